#include "ecb_test_support.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

using namespace ecb_test;

namespace {

BOOL send_header_ex(EXTENSION_CONTROL_BLOCK* ecb, const char* status, const char* headers, BOOL keep) {
    HSE_SEND_HEADER_EX_INFO info{};
    info.pszStatus = status;
    info.cchStatus = static_cast<DWORD>(std::strlen(status));
    info.pszHeader = headers;
    info.cchHeader = static_cast<DWORD>(std::strlen(headers));
    info.fKeepConn = keep;
    return ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_RESPONSE_HEADER_EX, &info, nullptr, nullptr);
}

BOOL write(EXTENSION_CONTROL_BLOCK* ecb, const char* text) {
    DWORD n = static_cast<DWORD>(std::strlen(text));
    return ecb->WriteClient(ecb->ConnID, const_cast<char*>(text), &n, HSE_IO_SYNC);
}

BOOL g_keep = TRUE;
const char* g_headers = "";
DWORD g_status_after = HSE_STATUS_SUCCESS;
BOOL g_second_header = TRUE;
DWORD g_second_error = 0;

DWORD WINAPI hello_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    send_header_ex(ecb, "200 OK", "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", g_keep);
    return HSE_STATUS_SUCCESS;
}

DWORD WINAPI streaming_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_RESPONSE_HEADER, const_cast<char*>("200 OK"), nullptr,
                               reinterpret_cast<LPDWORD>(const_cast<char*>(g_headers)));
    write(ecb, "abc");
    write(ecb, "defg");
    return g_status_after;
}

DWORD WINAPI raw_body_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    ecb->dwHttpStatusCode = 201;
    write(ecb, "raw bytes");
    return HSE_STATUS_SUCCESS;
}

DWORD WINAPI header_then_error_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    send_header_ex(ecb, "200 OK", "Content-Type: text/plain\r\n\r\n", TRUE);
    return HSE_STATUS_ERROR;
}

DWORD WINAPI error_ext(EXTENSION_CONTROL_BLOCK*) { return HSE_STATUS_ERROR; }

DWORD WINAPI silent_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    ecb->dwHttpStatusCode = 404;
    return HSE_STATUS_SUCCESS;
}

DWORD WINAPI redirect_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_URL_REDIRECT_RESP, const_cast<char*>("/new/place"), nullptr,
                               nullptr);
    return HSE_STATUS_SUCCESS;
}

DWORD WINAPI header_twice_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    send_header_ex(ecb, "200 OK", "Content-Length: 2\r\n\r\nok", TRUE);
    SetLastError(0);
    g_second_header = send_header_ex(ecb, "404 Not Found", "\r\n", TRUE);
    g_second_error = GetLastError();
    return HSE_STATUS_SUCCESS;
}

DWORD WINAPI bad_status_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    SetLastError(0);
    g_second_header = send_header_ex(ecb, "OK then\r\nX-Evil: 1", "\r\n", TRUE);
    g_second_error = GetLastError();
    return HSE_STATUS_SUCCESS;
}

isapi::ecb::Request with(std::string method, std::string protocol = "HTTP/1.1", bool keep_alive = true) {
    auto r = Harness::default_request();
    r.method = std::move(method);
    r.protocol = std::move(protocol);
    r.keep_alive = keep_alive;
    return r;
}

}  // namespace

TEST_CASE("a header with its body after the blank line goes out in one send", "[ecb][framing]") {
    Harness h;
    const std::vector<isapi::ecb::Header> identity = {{"X-Isapi-Build", "test.so abc123"}};
    h.context.extra_response_headers = &identity;
    h.run(hello_ext);
    REQUIRE(h.wait_complete());
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.status == 200);
    CHECK(r.reason == "OK");
    CHECK(r.body == "hello");
    CHECK(r.rest.empty());
    CHECK(r.header("server") == "isapi-harness/0.1");
    CHECK(r.header("date").size() == 29);
    CHECK(r.header("date").substr(25) == " GMT");
    CHECK(r.header("x-isapi-build") == "test.so abc123");
    CHECK_FALSE(r.has("transfer-encoding"));
    CHECK_FALSE(r.has("connection"));
    CHECK(h.transport->send_calls() == 1);
    CHECK(h.transport->finish_calls() == 1);
    CHECK(h.transport->kept_alive());
    CHECK(h.outcome().status == 200);
    CHECK(h.outcome().keep_alive);
    CHECK(h.outcome().bytes_sent == h.transport->sent().size());
    CHECK(h.outcome().hse_status == HSE_STATUS_SUCCESS);
}

TEST_CASE("a body without Content-Length is chunked on a keep-alive HTTP/1.1 request", "[ecb][framing]") {
    g_headers = "Content-Type: text/plain\r\n\r\n";
    g_status_after = HSE_STATUS_SUCCESS;
    Harness h;
    h.run(streaming_ext);
    REQUIRE(h.wait_complete());
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.chunked);
    CHECK(r.body == "abcdefg");
    CHECK(r.header("content-type") == "text/plain");
    CHECK(r.rest.empty());
    // The header rides with the first chunk; the last chunk goes at completion.
    CHECK(h.transport->send_calls() == 3);
    CHECK(h.transport->kept_alive());
}

TEST_CASE("a body without Content-Length is close-delimited for HTTP/1.0 and Connection: close", "[ecb][framing]") {
    g_headers = "Content-Type: text/plain\r\n\r\n";
    g_status_after = HSE_STATUS_SUCCESS;
    for (auto request : {with("GET", "HTTP/1.0", true), with("GET", "HTTP/1.1", false)}) {
        Harness h;
        h.run(streaming_ext, request);
        REQUIRE(h.wait_complete());
        const auto r = h.response();
        REQUIRE(r.ok);
        CHECK_FALSE(r.chunked);
        CHECK(r.header("connection") == "close");
        CHECK(r.body == "abcdefg");
        CHECK_FALSE(h.transport->kept_alive());
        CHECK_FALSE(h.outcome().aborted);
    }
}

TEST_CASE("a keep-alive HTTP/1.0 response with Content-Length says Connection: keep-alive", "[ecb][framing]") {
    Harness h;
    h.run(hello_ext, with("GET", "HTTP/1.0", true));
    REQUIRE(h.wait_complete());
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.header("connection") == "keep-alive");
    CHECK(h.transport->kept_alive());
}

TEST_CASE("HEAD responses never carry body bytes", "[ecb][framing][head]") {
    SECTION("with the extension's Content-Length") {
        Harness h;
        h.run(hello_ext, with("HEAD"));
        REQUIRE(h.wait_complete());
        const std::string sent = h.transport->sent();
        CHECK(sent.size() >= 4);
        CHECK(sent.substr(sent.size() - 4) == "\r\n\r\n");
        const auto r = h.response(true);
        REQUIRE(r.ok);
        CHECK(r.header("content-length") == "5");
        CHECK(r.rest.empty());
        CHECK(h.transport->kept_alive());
    }
    SECTION("with streamed writes") {
        g_headers = "Content-Type: text/plain\r\n\r\n";
        g_status_after = HSE_STATUS_SUCCESS;
        Harness h;
        h.run(streaming_ext, with("HEAD"));
        REQUIRE(h.wait_complete());
        const auto r = h.response(true);
        REQUIRE(r.ok);
        CHECK(r.rest.empty());
        CHECK_FALSE(r.has("transfer-encoding"));
        CHECK(h.transport->send_calls() == 1);
    }
}

TEST_CASE("SEND_RESPONSE_HEADER_EX with fKeepConn FALSE closes the connection", "[ecb][framing]") {
    g_keep = FALSE;
    Harness h;
    h.run(hello_ext);
    g_keep = TRUE;
    REQUIRE(h.wait_complete());
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.body == "hello");
    CHECK(r.header("connection") == "close");
    CHECK_FALSE(h.transport->kept_alive());
    CHECK_FALSE(h.outcome().keep_alive);
}

TEST_CASE("body bytes written before any header go out chunked with dwHttpStatusCode and a finding", "[ecb][framing]") {
    Harness h;
    h.run(raw_body_ext);
    REQUIRE(h.wait_complete());
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.status == 201);
    CHECK(r.chunked);
    CHECK(r.body == "raw bytes");
    CHECK(h.has_finding("body_before_header"));
    CHECK(h.findings().front().module == "test.so");
    CHECK(h.findings().front().load_generation == 7);
}

TEST_CASE("HSE_STATUS_ERROR before any header was sent gives a 500", "[ecb][framing][error]") {
    for (auto proc : {error_ext, header_then_error_ext}) {
        Harness h;
        h.run(proc);
        REQUIRE(h.wait_complete());
        const auto r = h.response();
        REQUIRE(r.ok);
        CHECK(r.status == 500);
        CHECK(r.body == "500 Internal Server Error");
        CHECK(h.outcome().status == 500);
        CHECK(h.outcome().hse_status == HSE_STATUS_ERROR);
        CHECK(h.transport->kept_alive());
    }
}

TEST_CASE("HSE_STATUS_ERROR after the header went out closes the connection mid-body", "[ecb][framing][error]") {
    g_headers = "Content-Type: text/plain\r\n\r\n";
    g_status_after = HSE_STATUS_ERROR;
    Harness h;
    h.run(streaming_ext);
    g_status_after = HSE_STATUS_SUCCESS;
    REQUIRE(h.wait_complete());
    const auto r = h.response();
    CHECK_FALSE(r.ok);  // no last chunk: the client sees a truncated body
    CHECK(r.status == 200);
    CHECK_FALSE(h.transport->kept_alive());
    CHECK(h.outcome().aborted);
    CHECK(h.outcome().status == 200);
}

TEST_CASE("a successful request that sent nothing answers dwHttpStatusCode with an empty body", "[ecb][framing]") {
    Harness h;
    h.run(silent_ext);
    REQUIRE(h.wait_complete());
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.status == 404);
    CHECK(r.reason == "Not Found");
    CHECK(r.header("content-length") == "0");
    CHECK_FALSE(r.has("transfer-encoding"));
    CHECK(h.transport->kept_alive());
}

TEST_CASE("a Content-Length the extension did not fill closes instead of keeping alive", "[ecb][framing]") {
    g_headers = "Content-Length: 10\r\n\r\n";
    g_status_after = HSE_STATUS_SUCCESS;
    Harness h;
    h.run(streaming_ext);
    REQUIRE(h.wait_complete());
    const auto r = h.response();
    CHECK_FALSE(r.ok);
    CHECK(r.body == "abcdefg");
    CHECK_FALSE(h.transport->kept_alive());
    CHECK(h.outcome().aborted);
}

TEST_CASE("an extension's own Transfer-Encoding passes through untouched", "[ecb][framing]") {
    g_headers = "Transfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\n\r\n";
    g_status_after = HSE_STATUS_SUCCESS;
    Harness p;
    p.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_RESPONSE_HEADER, nullptr, nullptr,
                                   reinterpret_cast<LPDWORD>(const_cast<char*>(g_headers)));
        return HSE_STATUS_SUCCESS;
    });
    REQUIRE(p.wait_complete());
    const auto r = p.response();
    REQUIRE(r.ok);
    CHECK(r.body == "xyz");
    CHECK(r.rest.empty());
    CHECK(p.transport->sent().find("Transfer-Encoding: chunked") != std::string::npos);
    CHECK(p.transport->kept_alive());
}

TEST_CASE("header text with bare LF and no blank line is accepted", "[ecb][framing]") {
    g_headers = "Content-Type: text/plain\nX-Lenient: yes\nnot a header line";
    g_status_after = HSE_STATUS_SUCCESS;
    Harness h;
    h.run(streaming_ext);
    REQUIRE(h.wait_complete());
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.header("x-lenient") == "yes");
    CHECK(r.body == "abcdefg");
}

TEST_CASE("an extension's Connection: close header closes the connection", "[ecb][framing]") {
    g_headers = "Connection: close\r\nContent-Length: 7\r\n\r\n";
    Harness h;
    h.run(streaming_ext);
    REQUIRE(h.wait_complete());
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.headers.count("connection") == 1);
    CHECK(r.header("connection") == "close");
    CHECK_FALSE(h.transport->kept_alive());
}

TEST_CASE("SEND_URL_REDIRECT_RESP answers 302 with Location and a small body", "[ecb][framing]") {
    Harness h;
    h.run(redirect_ext);
    REQUIRE(h.wait_complete());
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.status == 302);
    CHECK(r.header("location") == "/new/place");
    CHECK_FALSE(r.body.empty());
    CHECK(h.transport->kept_alive());
}

TEST_CASE("a second response header is refused with ERROR_INVALID_PARAMETER", "[ecb][framing]") {
    Harness h;
    h.run(header_twice_ext);
    REQUIRE(h.wait_complete());
    CHECK(g_second_header == FALSE);
    CHECK(g_second_error == ERROR_INVALID_PARAMETER);
    CHECK(h.response().status == 200);
    CHECK(h.response().body == "ok");
}

TEST_CASE("a status text that could forge headers is refused", "[ecb][framing]") {
    Harness h;
    h.run(bad_status_ext);
    REQUIRE(h.wait_complete());
    CHECK(g_second_header == FALSE);
    CHECK(g_second_error == ERROR_INVALID_PARAMETER);
    CHECK(h.transport->sent().find("X-Evil") == std::string::npos);
}
