// Header text and body bytes an extension hands over can never split the
// response: bad lines are left out, the rest is sent, and a finding says so.
#include "ecb_test_support.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace ecb_test;

namespace {

std::string g_status;
std::string g_headers;
std::vector<std::string> g_writes;
BOOL g_header_ok = FALSE;
DWORD g_header_error = 0;

DWORD WINAPI scripted_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    HSE_SEND_HEADER_EX_INFO info{};
    info.pszStatus = g_status.c_str();
    info.cchStatus = static_cast<DWORD>(g_status.size());
    info.pszHeader = g_headers.data();
    info.cchHeader = static_cast<DWORD>(g_headers.size());
    info.fKeepConn = TRUE;
    SetLastError(0);
    g_header_ok = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_RESPONSE_HEADER_EX, &info, nullptr, nullptr);
    g_header_error = GetLastError();
    for (std::string& text : g_writes) {
        DWORD n = static_cast<DWORD>(text.size());
        ecb->WriteClient(ecb->ConnID, text.data(), &n, HSE_IO_SYNC);
    }
    return HSE_STATUS_SUCCESS;
}

struct Run {
    std::string bytes;
    ParsedResponse response;
    std::vector<isapi::ecb::Finding> findings;
    bool kept_alive = false;
};

Run run(std::string headers, std::vector<std::string> writes = {}, std::string status = "200 OK") {
    g_status = std::move(status);
    g_headers = std::move(headers);
    g_writes = std::move(writes);
    Harness h;
    h.run(scripted_ext);
    REQUIRE(h.wait_complete());
    return Run{h.transport->sent(), h.response(), h.findings(), h.outcome().keep_alive};
}

// Every CR and LF of the header block pairs up as CRLF: nothing a client
// could take for an extra line end.
bool head_lines_end_in_crlf(const std::string& bytes) {
    const std::string head = bytes.substr(0, bytes.find("\r\n\r\n") + 4);
    for (std::size_t i = 0; i < head.size(); ++i) {
        if (head[i] == '\r' && (i + 1 == head.size() || head[i + 1] != '\n')) return false;
        if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r')) return false;
    }
    return true;
}

std::vector<std::string> kinds(const Run& r) {
    std::vector<std::string> out;
    for (const auto& f : r.findings) out.push_back(f.kind);
    return out;
}

}  // namespace

TEST_CASE("a bare CR inside a header line drops that line, keeps the rest, and is a finding", "[ecb][header-safety]") {
    const auto r = run("X-Before: 1\r\nX-Split: a\rX-Injected: 1\r\nContent-Length: 2\r\nX-After: 2\r\n\r\nok");
    REQUIRE(r.response.ok);
    CHECK(head_lines_end_in_crlf(r.bytes));
    CHECK(r.bytes.find("X-Injected") == std::string::npos);
    CHECK_FALSE(r.response.has("x-split"));
    CHECK(r.response.header("x-before") == "1");
    CHECK(r.response.header("x-after") == "2");
    CHECK(r.response.body == "ok");
    CHECK(r.response.rest.empty());
    REQUIRE(kinds(r) == std::vector<std::string>{"bad_response_header"});
    CHECK_THAT(r.findings[0].evidence, Catch::Contains("bare CR") && Catch::Contains("X-Split: a\\rX-Injected: 1"));
    CHECK(g_header_ok == TRUE);
}

TEST_CASE("other control characters in a header line drop the line", "[ecb][header-safety]") {
    // (A NUL ends SEND_RESPONSE_HEADER_EX's text before the scan sees it.)
    const auto r = run("X-Soh: a\x01" "b\r\nX-Esc: \x1b[31m\r\nX-Del: \x7f\r\nX-Tab: a\tb\r\nContent-Length: 0\r\n\r\n");
    REQUIRE(r.response.ok);
    CHECK_FALSE(r.response.has("x-soh"));
    CHECK_FALSE(r.response.has("x-esc"));
    CHECK_FALSE(r.response.has("x-del"));
    CHECK(r.response.header("x-tab") == "a\tb");  // HTAB is allowed in a value
    REQUIRE(kinds(r) == std::vector<std::string>{"bad_response_header"});
    CHECK_THAT(r.findings[0].evidence, Catch::StartsWith("3 header line(s)") && Catch::Contains("X-Soh: a\\x01b"));
}

TEST_CASE("Content-Length and Transfer-Encoding together: the Content-Length frames the body", "[ecb][header-safety]") {
    for (const std::string headers : {"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nhello",
                                      "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nhello"}) {
        INFO(headers);
        const auto r = run(headers);
        REQUIRE(r.response.ok);
        CHECK_FALSE(r.response.has("transfer-encoding"));
        CHECK(r.response.header("content-length") == "5");
        CHECK(r.response.body == "hello");
        CHECK(r.response.rest.empty());
        REQUIRE(kinds(r) == std::vector<std::string>{"bad_response_header"});
        CHECK_THAT(r.findings[0].evidence, Catch::Contains("Transfer-Encoding next to a Content-Length"));
    }
}

TEST_CASE("a second Content-Length that differs is dropped and reported; the same value twice is not", "[ecb][header-safety]") {
    const auto differs = run("Content-Length: 2\r\nContent-Length: 40\r\n\r\nok");
    REQUIRE(differs.response.ok);
    CHECK(differs.response.headers.count("content-length") == 1);
    CHECK(differs.response.body == "ok");
    CHECK(kinds(differs) == std::vector<std::string>{"bad_response_header"});
    const auto same = run("Content-Length: 2\r\nContent-Length: 2\r\n\r\nok");
    CHECK(same.response.headers.count("content-length") == 1);
    CHECK(same.findings.empty());
}

TEST_CASE("body bytes past the declared Content-Length never go out", "[ecb][header-safety]") {
    const std::string smuggled = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged";
    SECTION("after the blank line of the header text") {
        const auto r = run("Content-Length: 2\r\n\r\nok" + smuggled);
        REQUIRE(r.response.ok);
        CHECK(r.response.body == "ok");
        CHECK(r.response.rest.empty());
        CHECK(r.bytes.find("forged") == std::string::npos);
        CHECK_FALSE(r.kept_alive);
        REQUIRE(kinds(r) == std::vector<std::string>{"body_past_content_length"});
        CHECK_THAT(r.findings[0].evidence, Catch::Contains("Content-Length 2"));
    }
    SECTION("in WriteClient calls, reported once") {
        const auto r = run("Content-Length: 3\r\n\r\n", {"a", "bc" + smuggled, smuggled});
        REQUIRE(r.response.ok);
        CHECK(r.response.body == "abc");
        CHECK(r.response.rest.empty());
        CHECK_FALSE(r.kept_alive);
        CHECK(kinds(r) == std::vector<std::string>{"body_past_content_length"});
    }
}

TEST_CASE("a status line with a control character is refused and reported", "[ecb][header-safety]") {
    const auto r = run("Content-Length: 0\r\n\r\n", {}, "200 OK\x1b[2J");
    CHECK(g_header_ok == FALSE);
    CHECK(g_header_error == ERROR_INVALID_PARAMETER);
    CHECK(r.bytes.find('\x1b') == std::string::npos);
    REQUIRE(kinds(r) == std::vector<std::string>{"bad_response_header"});
    CHECK_THAT(r.findings[0].evidence, Catch::Contains("200 OK\\x1b[2J"));
}

TEST_CASE("well-formed header text, bare LF line ends included, raises nothing", "[ecb][header-safety]") {
    const auto crlf = run("Content-Type: text/plain\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nok");
    CHECK(crlf.findings.empty());
    CHECK(crlf.kept_alive);
    const auto lf = run("Content-Type: text/plain\nX-A: 1\nContent-Length: 2\n\nok");
    REQUIRE(lf.response.ok);
    CHECK(head_lines_end_in_crlf(lf.bytes));
    CHECK(lf.response.header("x-a") == "1");
    CHECK(lf.response.body == "ok");
    CHECK(lf.findings.empty());
}

TEST_CASE("Transfer-Encoding lines go out as one line, each coding once", "[ecb][header-safety]") {
    const auto r = run("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", {"3\r\nabc\r\n0\r\n\r\n"});
    REQUIRE(r.response.ok);
    CHECK(r.response.headers.count("transfer-encoding") == 1);
    CHECK(r.response.header("transfer-encoding") == "chunked");
    CHECK(r.response.body == "abc");
    CHECK(r.findings.empty());
}
