// Every row of samples/server_vars_dump/server_variable_table.h through the
// real GetServerVariable callback, the UNICODE_ and HEADER_ forms, buffer
// sizes at the edge, and the doc naming every row.
#include "ecb_test_support.hpp"
#include "server_variable_expect.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

using namespace ecb_test;

namespace {

// What the front end and the router make of the table's request. The
// harness's default request already arrives from 10.1.2.3:54321 at
// 10.0.0.1:8080 for example.test with --root /srv/www; only the request
// line and the headers differ.
isapi::ecb::Request table_request() {
    isapi::ecb::Request r = Harness::default_request();
    r.url = SERVER_VARS_DUMP_PATH;
    r.unencoded_url = SERVER_VARS_DUMP_TARGET;
    r.query_string = "a=1&b=two";
    r.script_name = "/vars.dll";
    r.path_info = "/extra/path";
    r.headers = {{"Host", "example.test:8080"},
                 {"User-Agent", "server-vars-dump/1"},
                 {"X-Dump-Token", "dash"},
                 {"X_Dump_Token", "underscore"}};
    r.all_raw = "Host: example.test:8080\r\nUser-Agent: server-vars-dump/1\r\nX-Dump-Token: dash\r\n"
                "X_Dump_Token: underscore\r\n";
    return r;
}

const server_vars::Placeholders kFilled{"example.test:8080", "example.test", "8080", "10.0.0.1",
                                        "10.1.2.3",          "54321",        "/srv/www"};

struct Call {
    BOOL ok = FALSE;
    DWORD error = 0;
    DWORD size = 0;
    std::string bytes;  // the buffer's first `size` bytes after success
};

// Runs `body` inside HttpExtensionProc with the ECB of `request`.
std::function<void(EXTENSION_CONTROL_BLOCK*)> g_body;
DWORD WINAPI run_body(EXTENSION_CONTROL_BLOCK* ecb) {
    g_body(ecb);
    return HSE_STATUS_SUCCESS;
}
void with_ecb(std::function<void(EXTENSION_CONTROL_BLOCK*)> body, isapi::ecb::Request request = table_request()) {
    g_body = std::move(body);
    Harness h;
    h.run(run_body, std::move(request));
    REQUIRE(h.wait_complete());
}

Call call(EXTENSION_CONTROL_BLOCK* ecb, const std::string& name, DWORD capacity, bool null_buffer = false) {
    Call c;
    std::string buffer(capacity, '\x7f');
    c.size = capacity;
    SetLastError(0);
    c.ok = ecb->GetServerVariable(ecb->ConnID, const_cast<char*>(name.c_str()), null_buffer ? nullptr : buffer.data(),
                                  &c.size);
    c.error = GetLastError();
    if (c.ok) c.bytes = buffer.substr(0, std::min<std::size_t>(c.size, capacity));
    return c;
}

// UTF-16LE bytes without their terminator, back to text (ASCII and Latin-1 only).
std::string narrow(std::string_view wide) {
    std::string out;
    for (std::size_t i = 0; i + 1 < wide.size(); i += 2) {
        const unsigned unit = static_cast<unsigned char>(wide[i]) | (static_cast<unsigned char>(wide[i + 1]) << 8);
        out += unit < 0x80 ? static_cast<char>(unit) : '?';
    }
    return out;
}

// True for a UNICODE_ name, in any case.
bool is_wide(const std::string& name) {
    std::string prefix = name.substr(0, 8);
    for (char& ch : prefix) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return prefix == "UNICODE_";
}

// The answer in the table's form: the value, or "!CODE".
std::string answer_of(const std::string& name, const Call& c) {
    if (!c.ok) return "!" + std::to_string(c.error);
    const bool wide = is_wide(name);
    const std::size_t terminator = wide ? 2 : 1;
    if (c.bytes.size() < terminator) return "(no terminator)";
    return wide ? narrow(c.bytes.substr(0, c.bytes.size() - 2)) : c.bytes.substr(0, c.bytes.size() - 1);
}

}  // namespace

TEST_CASE("Every documented server variable answers as the table says", "[ecb][vars][table]") {
    std::vector<std::pair<std::string, Call>> calls;
    with_ecb([&](EXTENSION_CONTROL_BLOCK* ecb) {
        for (const auto& row : server_vars::kRows) calls.emplace_back(std::string(row.name), call(ecb, std::string(row.name), 4096));
    });
    REQUIRE(calls.size() == std::size(server_vars::kRows));
    for (std::size_t i = 0; i < calls.size(); ++i) {
        const auto& [name, c] = calls[i];
        const std::string expected = server_vars::fill(server_vars::kRows[i].expected, kFilled);
        INFO(name);
        CHECK(answer_of(name, c) == expected);
        if (c.ok) {
            // The size counts the terminator: one byte, or two for a wide answer.
            CHECK(c.size == (is_wide(name) ? 2 * (expected.size() + 1) : expected.size() + 1));
        }
    }
}

TEST_CASE("Server variable names are case-insensitive, HEADER_'s header name included", "[ecb][vars][table]") {
    std::vector<std::string> answers;
    with_ecb([&](EXTENSION_CONTROL_BLOCK* ecb) {
        for (const char* name : {"appl_md_path", "Instance_Meta_Path", "unicode_url", "header_x-dump-TOKEN",
                                 "header_X_DUMP_token", "http_x_dump_token"})
            answers.push_back(answer_of(name, call(ecb, name, 256)));
    });
    CHECK(answers == std::vector<std::string>{"/LM/W3SVC/1/ROOT", "/LM/W3SVC/1", SERVER_VARS_DUMP_PATH, "dash",
                                              "underscore", "dash"});
}

TEST_CASE("APPL_MD_PATH needs its length plus one byte, and fits exactly then", "[ecb][vars][table]") {
    const std::string value = "/LM/W3SVC/1/ROOT";
    Call short_by_one, exact, null_buffer;
    with_ecb([&](EXTENSION_CONTROL_BLOCK* ecb) {
        short_by_one = call(ecb, "APPL_MD_PATH", static_cast<DWORD>(value.size()));
        exact = call(ecb, "APPL_MD_PATH", static_cast<DWORD>(value.size() + 1));
        null_buffer = call(ecb, "APPL_MD_PATH", 0, true);
    });
    CHECK(short_by_one.ok == FALSE);
    CHECK(short_by_one.error == ERROR_INSUFFICIENT_BUFFER);
    CHECK(short_by_one.size == value.size() + 1);
    CHECK(exact.ok == TRUE);
    CHECK(exact.bytes == value + '\0');
    CHECK(null_buffer.error == ERROR_INSUFFICIENT_BUFFER);
    CHECK(null_buffer.size == value.size() + 1);
}

TEST_CASE("An empty variable still needs one byte for its terminator", "[ecb][vars][table]") {
    Call zero, one;
    with_ecb([&](EXTENSION_CONTROL_BLOCK* ecb) {
        zero = call(ecb, "CERT_SUBJECT", 0);
        one = call(ecb, "CERT_SUBJECT", 1);
    });
    CHECK(zero.ok == FALSE);
    CHECK(zero.error == ERROR_INSUFFICIENT_BUFFER);
    CHECK(zero.size == 1);
    CHECK(one.ok == TRUE);
    CHECK(one.bytes == std::string(1, '\0'));
}

TEST_CASE("UNICODE_URL counts bytes: two per character and two for the terminator", "[ecb][vars][table]") {
    const std::string url = SERVER_VARS_DUMP_PATH;
    const DWORD needed = static_cast<DWORD>(2 * (url.size() + 1));
    Call short_by_one, exact;
    with_ecb([&](EXTENSION_CONTROL_BLOCK* ecb) {
        short_by_one = call(ecb, "UNICODE_URL", needed - 1);
        exact = call(ecb, "UNICODE_URL", needed);
    });
    CHECK(short_by_one.ok == FALSE);
    CHECK(short_by_one.error == ERROR_INSUFFICIENT_BUFFER);
    CHECK(short_by_one.size == needed);
    REQUIRE(exact.ok == TRUE);
    CHECK(exact.size == needed);
    REQUIRE(exact.bytes.size() == needed);
    CHECK(exact.bytes.substr(0, 4) == std::string("/\0v\0", 4));
    CHECK(exact.bytes.substr(needed - 2) == std::string(2, '\0'));
}

TEST_CASE("UNICODE_ answers UTF-8 as UTF-16LE, and a byte that is not UTF-8 as U+FFFD", "[ecb][vars][table]") {
    auto request = table_request();
    request.url = "/caf\xC3\xA9/\xF0\x9F\x98\x80\xFF";  // é, U+1F600, a stray byte
    Call c;
    with_ecb([&](EXTENSION_CONTROL_BLOCK* ecb) { c = call(ecb, "UNICODE_URL", 256); }, request);
    REQUIRE(c.ok == TRUE);
    static constexpr char kWide[] = "/\0c\0a\0f\0\xE9\0/\0\x3D\xD8\x00\xDE\xFD\xFF\0";  // + the literal's NUL
    const std::string expected(kWide, sizeof kWide);
    CHECK(c.bytes == expected);
    CHECK(c.size == expected.size());
}

TEST_CASE("HTTP_ reads '_' as '-', so only HEADER_ reaches a header spelled with '_'", "[ecb][vars][table]") {
    auto request = table_request();
    request.headers = {{"Host", "example.test"}, {"X_Only_Under", "u"}};
    std::string http_form, header_form;
    with_ecb(
        [&](EXTENSION_CONTROL_BLOCK* ecb) {
            http_form = answer_of("HTTP_X_ONLY_UNDER", call(ecb, "HTTP_X_ONLY_UNDER", 64));
            header_form = answer_of("HEADER_X_Only_Under", call(ecb, "HEADER_X_Only_Under", 64));
        },
        request);
    CHECK(http_form == "!1413");
    CHECK(header_form == "u");
}

TEST_CASE("docs/server-variables.md names every variable of the table", "[ecb][vars][table][docs]") {
    std::ifstream file(ISAPI_DOCS_DIR "/server-variables.md");
    REQUIRE(file.good());
    std::stringstream text;
    text << file.rdbuf();
    const std::string doc = text.str();
    for (const auto& row : server_vars::kRows) {
        INFO(row.name);
        CHECK(doc.find("`" + std::string(row.name) + "`") != std::string::npos);
    }
}
