#include "ecb_test_support.hpp"

#include <catch2/catch.hpp>
#include <isapi/version.hpp>

#include <cstring>
#include <map>
#include <string>

using namespace ecb_test;

namespace {

struct VarResult {
    BOOL ok = FALSE;
    DWORD error = 0;
    DWORD size = 0;
    std::string value;
};

// Filled by the extension below, read by the tests after dispatch.
std::map<std::string, VarResult> g_vars;
std::vector<std::string> g_names;
DWORD g_buffer_size = 1024;
bool g_null_size = false;
bool g_null_buffer = false;

VarResult query(EXTENSION_CONTROL_BLOCK* ecb, const std::string& name, DWORD capacity) {
    VarResult r;
    std::string buffer(capacity, '\x7f');
    r.size = capacity;
    SetLastError(0);
    r.ok = ecb->GetServerVariable(ecb->ConnID, const_cast<char*>(name.c_str()), g_null_buffer ? nullptr : buffer.data(),
                                  g_null_size ? nullptr : &r.size);
    r.error = GetLastError();
    if (r.ok) r.value = buffer.c_str();
    return r;
}

DWORD WINAPI variables_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    for (const auto& name : g_names) g_vars[name] = query(ecb, name, g_buffer_size);
    return HSE_STATUS_SUCCESS;
}

std::map<std::string, VarResult> run_vars(std::vector<std::string> names, DWORD size = 1024,
                                          isapi::ecb::Request request = Harness::default_request()) {
    g_vars.clear();
    g_names = std::move(names);
    g_buffer_size = size;
    Harness h;
    h.run(variables_ext, std::move(request));
    REQUIRE(h.wait_complete());
    return g_vars;
}

}  // namespace

TEST_CASE("GetServerVariable returns each standard variable from the request", "[ecb][vars]") {
    auto v = run_vars({"REQUEST_METHOD", "QUERY_STRING", "PATH_INFO", "PATH_TRANSLATED", "SCRIPT_NAME", "URL",
                       "UNENCODED_URL", "SERVER_PROTOCOL", "SERVER_NAME", "SERVER_PORT", "SERVER_PORT_SECURE",
                       "SERVER_SOFTWARE", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_PORT", "LOCAL_ADDR", "HTTPS",
                       "GATEWAY_INTERFACE", "INSTANCE_ID", "APP_POOL_ID", "APPL_PHYSICAL_PATH", "CONTENT_LENGTH",
                       "CONTENT_TYPE", "AUTH_TYPE", "REMOTE_USER", "LOGON_USER"});
    const std::map<std::string, std::string> expected = {
        {"REQUEST_METHOD", "GET"}, {"QUERY_STRING", "a=1&b=two"}, {"PATH_INFO", "/extra/path"},
        {"PATH_TRANSLATED", "/srv/www/extra/path"}, {"SCRIPT_NAME", "/app/hello.dll"},
        {"URL", "/app/hello.dll/extra/path"}, {"UNENCODED_URL", "/app/hello.dll/extra/path?a=1&b=two"},
        {"SERVER_PROTOCOL", "HTTP/1.1"}, {"SERVER_NAME", "example.test"}, {"SERVER_PORT", "8080"},
        {"SERVER_PORT_SECURE", "0"}, {"SERVER_SOFTWARE", std::string(isapi::version::kServerSoftware)},
        {"REMOTE_ADDR", "10.1.2.3"},
        {"REMOTE_HOST", "10.1.2.3"}, {"REMOTE_PORT", "54321"}, {"LOCAL_ADDR", "10.0.0.1"}, {"HTTPS", "off"},
        {"GATEWAY_INTERFACE", "CGI/1.1"}, {"INSTANCE_ID", "1"}, {"APP_POOL_ID", "DefaultAppPool"},
        {"APPL_PHYSICAL_PATH", "/srv/www/"}, {"CONTENT_LENGTH", "0"}, {"CONTENT_TYPE", ""}, {"AUTH_TYPE", ""},
        {"REMOTE_USER", ""}, {"LOGON_USER", ""}};
    for (const auto& [name, value] : expected) {
        INFO(name);
        CHECK(v[name].ok == TRUE);
        CHECK(v[name].value == value);
        CHECK(v[name].size == value.size() + 1);
    }
}

TEST_CASE("GetServerVariable builds ALL_HTTP, ALL_RAW and HTTP_ names from the headers", "[ecb][vars]") {
    auto request = Harness::default_request();
    request.headers.push_back({"X-Multi", "one"});
    request.headers.push_back({"x-multi", "two"});
    request.headers.push_back({"Content-Type", "text/plain"});
    auto v = run_vars({"ALL_HTTP", "ALL_RAW", "HTTP_USER_AGENT", "HTTP_ACCEPT_LANGUAGE", "HTTP_X_MULTI", "http_host",
                       "CONTENT_TYPE"},
                      1024, request);
    CHECK(v["ALL_HTTP"].value ==
          "HTTP_HOST:example.test:8080\nHTTP_USER_AGENT:catch2/2\nHTTP_ACCEPT_LANGUAGE:en\n"
          "HTTP_X_MULTI:one\nHTTP_X_MULTI:two\nHTTP_CONTENT_TYPE:text/plain\n");
    CHECK(v["ALL_RAW"].value == "Host: example.test:8080\r\nUser-Agent: catch2/2\r\nAccept-Language: en\r\n");
    CHECK(v["HTTP_USER_AGENT"].value == "catch2/2");
    CHECK(v["HTTP_ACCEPT_LANGUAGE"].value == "en");
    CHECK(v["HTTP_X_MULTI"].value == "one,two");
    CHECK(v["http_host"].value == "example.test:8080");
    CHECK(v["CONTENT_TYPE"].value == "text/plain");
}

TEST_CASE("GetServerVariable reports the size needed when the buffer is too small", "[ecb][vars]") {
    auto v = run_vars({"REQUEST_METHOD", "QUERY_STRING", "ALL_HTTP"}, 3);
    CHECK(v["REQUEST_METHOD"].ok == FALSE);
    CHECK(v["REQUEST_METHOD"].error == ERROR_INSUFFICIENT_BUFFER);
    CHECK(v["REQUEST_METHOD"].size == 4);  // "GET" + NUL: one byte too many for 3
    CHECK(v["QUERY_STRING"].error == ERROR_INSUFFICIENT_BUFFER);
    CHECK(v["QUERY_STRING"].size == std::strlen("a=1&b=two") + 1);
    CHECK(v["ALL_HTTP"].error == ERROR_INSUFFICIENT_BUFFER);
    CHECK(v["ALL_HTTP"].size > 3);
}

TEST_CASE("GetServerVariable succeeds when the buffer holds the value and its NUL exactly", "[ecb][vars]") {
    auto v = run_vars({"REQUEST_METHOD"}, 4);
    CHECK(v["REQUEST_METHOD"].ok == TRUE);
    CHECK(v["REQUEST_METHOD"].value == "GET");
}

TEST_CASE("GetServerVariable with a NULL buffer asks for the size", "[ecb][vars]") {
    g_null_buffer = true;
    auto v = run_vars({"URL"}, 0);
    g_null_buffer = false;
    CHECK(v["URL"].ok == FALSE);
    CHECK(v["URL"].error == ERROR_INSUFFICIENT_BUFFER);
    CHECK(v["URL"].size == std::strlen("/app/hello.dll/extra/path") + 1);
}

TEST_CASE("GetServerVariable gives ERROR_INVALID_INDEX for unknown names and absent headers", "[ecb][vars]") {
    auto v = run_vars({"NO_SUCH_VARIABLE", "HTTP_X_NOT_SENT", "CERT_NOT_A_REAL_ONE", "HTTP_"});
    for (const auto& name : {"NO_SUCH_VARIABLE", "HTTP_X_NOT_SENT", "CERT_NOT_A_REAL_ONE", "HTTP_"}) {
        INFO(name);
        CHECK(v[name].ok == FALSE);
        CHECK(v[name].error == ERROR_INVALID_INDEX);
    }
}

// IIS answers the certificate and HTTPS variables on a plain connection with
// empty strings: an extension that dumps the documented list must not stop there.
TEST_CASE("GetServerVariable gives empty certificate variables without TLS", "[ecb][vars]") {
    auto v = run_vars({"CERT_SUBJECT", "CERT_ISSUER", "CERT_COOKIE", "HTTPS_KEYSIZE", "HTTPS_SERVER_SUBJECT"});
    for (const auto& [name, r] : v) {
        INFO(name);
        CHECK(r.ok == TRUE);
        CHECK(r.value.empty());
    }
}

// Over TLS the same names carry the connection's facts, as IIS fills them:
// HTTPS "on", SERVER_PORT_SECURE "1", the key sizes in bits, the server
// certificate's names, and the client certificate's when one was sent
// (CERT_FLAGS bit 0 present, bit 1 issuer not trusted).
TEST_CASE("GetServerVariable gives the TLS and certificate variables over TLS", "[ecb][vars]") {
    auto request = Harness::default_request();
    isapi::ecb::TlsInfo tls;
    tls.key_bits = 256;
    tls.server_key_bits = 2048;
    tls.server_issuer = "C=US, O=Test CA";
    tls.server_subject = "C=US, CN=localhost";
    tls.client_cert_present = true;
    tls.client_cert_untrusted = true;
    tls.client_issuer = "O=Client CA";
    tls.client_subject = "CN=alice";
    tls.client_serial = "01-ab";
    tls.client_cookie = "00ff";
    request.tls = tls;
    auto v = run_vars({"HTTPS", "SERVER_PORT_SECURE", "HTTPS_KEYSIZE", "CERT_KEYSIZE", "HTTPS_SECRETKEYSIZE",
                       "CERT_SECRETKEYSIZE", "HTTPS_SERVER_ISSUER", "CERT_SERVER_ISSUER", "HTTPS_SERVER_SUBJECT",
                       "CERT_SERVER_SUBJECT", "CERT_FLAGS", "CERT_ISSUER", "CERT_SUBJECT", "CERT_SERIALNUMBER",
                       "CERT_COOKIE", "CACHE_URL"},
                      1024, request);
    const std::map<std::string, std::string> expected{
        {"HTTPS", "on"}, {"SERVER_PORT_SECURE", "1"}, {"HTTPS_KEYSIZE", "256"}, {"CERT_KEYSIZE", "256"},
        {"HTTPS_SECRETKEYSIZE", "2048"}, {"CERT_SECRETKEYSIZE", "2048"}, {"HTTPS_SERVER_ISSUER", "C=US, O=Test CA"},
        {"CERT_SERVER_ISSUER", "C=US, O=Test CA"}, {"HTTPS_SERVER_SUBJECT", "C=US, CN=localhost"},
        {"CERT_SERVER_SUBJECT", "C=US, CN=localhost"}, {"CERT_FLAGS", "3"}, {"CERT_ISSUER", "O=Client CA"},
        {"CERT_SUBJECT", "CN=alice"}, {"CERT_SERIALNUMBER", "01-ab"}, {"CERT_COOKIE", "00ff"}};
    for (const auto& [name, value] : expected) {
        INFO(name);
        CHECK(v[name].ok == TRUE);
        CHECK(v[name].value == value);
    }
    CHECK(v["CACHE_URL"].value.rfind("https://", 0) == 0);

    // No client certificate: the flags say so, and its names are empty.
    request.tls->client_cert_present = false;
    request.tls->client_cert_untrusted = false;
    request.tls->client_subject.clear();
    auto none = run_vars({"CERT_FLAGS", "CERT_SUBJECT", "HTTPS"}, 1024, request);
    CHECK(none["CERT_FLAGS"].value == "0");
    CHECK(none["CERT_SUBJECT"].value.empty());
    CHECK(none["HTTPS"].value == "on");
}

TEST_CASE("GetServerVariable gives ERROR_INVALID_PARAMETER for a NULL size pointer", "[ecb][vars]") {
    g_null_size = true;
    auto v = run_vars({"URL"});
    g_null_size = false;
    CHECK(v["URL"].ok == FALSE);
    CHECK(v["URL"].error == ERROR_INVALID_PARAMETER);
}

namespace {
VarResult g_bad_conn;
DWORD WINAPI bad_conn_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    char buffer[64];
    DWORD size = sizeof buffer;
    SetLastError(0);
    g_bad_conn.ok = ecb->GetServerVariable(reinterpret_cast<HCONN>(std::uintptr_t{3}), const_cast<char*>("URL"),
                                           buffer, &size);
    g_bad_conn.error = GetLastError();
    return HSE_STATUS_SUCCESS;
}
}  // namespace

TEST_CASE("GetServerVariable rejects a ConnID that was never issued", "[ecb][vars][connid]") {
    take_orphan_findings();
    Harness h;
    h.run(bad_conn_ext);
    REQUIRE(h.wait_complete());
    CHECK(g_bad_conn.ok == FALSE);
    CHECK(g_bad_conn.error == ERROR_INVALID_PARAMETER);
    const auto orphans = take_orphan_findings();
    REQUIRE(orphans.size() == 1);
    CHECK(orphans[0].kind == "invalid_conn_id");
}
