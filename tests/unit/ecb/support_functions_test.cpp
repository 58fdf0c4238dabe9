#include "ecb_test_support.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

using namespace ecb_test;

namespace {

struct MapResult {
    BOOL ok = FALSE;
    DWORD error = 0;
    DWORD size = 0;
    std::string path;
};

std::string g_url;
DWORD g_capacity = MAX_PATH;
MapResult g_map;

DWORD WINAPI map_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    std::string buffer(std::max<std::size_t>(g_capacity, g_url.size() + 1), '\0');
    std::memcpy(buffer.data(), g_url.c_str(), g_url.size() + 1);
    g_map.size = g_capacity;
    SetLastError(0);
    g_map.ok = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_MAP_URL_TO_PATH, buffer.data(), &g_map.size, nullptr);
    g_map.error = GetLastError();
    g_map.path = g_map.ok ? buffer.c_str() : "";
    return HSE_STATUS_SUCCESS;
}

MapResult map(std::string url, DWORD capacity = MAX_PATH) {
    g_url = std::move(url);
    g_capacity = capacity;
    Harness h;
    h.run(map_ext);
    REQUIRE(h.wait_complete());
    return g_map;
}

}  // namespace

TEST_CASE("MAP_URL_TO_PATH maps under the document root", "[ecb][map]") {
    CHECK(map("/images/logo.png").path == "/srv/www/images/logo.png");
    CHECK(map("/").path == "/srv/www/");
    CHECK(map("/a/./b/../c.txt").path == "/srv/www/a/c.txt");
    CHECK(map("/a\\b\\..\\c.txt").path == "/srv/www/a/c.txt");
    CHECK(map("/a//b/..").path == "/srv/www/a/");
    CHECK(map("/docs/").path == "/srv/www/docs/");
    CHECK(map("/%2e%2e/x").path == "/srv/www/%2e%2e/x");  // not decoded: a name, not a step up
    const auto r = map("/x");
    CHECK(r.ok == TRUE);
    CHECK(r.size == std::strlen("/srv/www/x") + 1);
}

TEST_CASE("MAP_URL_TO_PATH refuses a URL that climbs above the root instead of clamping it", "[ecb][map]") {
    for (const char* url : {"/../../etc/passwd", "/a/../../../etc/passwd", "..\\..\\windows\\win.ini",
                            "/scripts/pt.dll/../../../secret.txt"}) {
        INFO(url);
        const auto r = map(url);
        CHECK(r.ok == FALSE);
        CHECK(r.error == ERROR_INVALID_PARAMETER);
    }
}

TEST_CASE("MAP_URL_TO_PATH reports the size needed when the buffer is too small", "[ecb][map]") {
    const auto r = map("/a", 4);
    CHECK(r.ok == FALSE);
    CHECK(r.error == ERROR_INSUFFICIENT_BUFFER);
    CHECK(r.size == std::strlen("/srv/www/a") + 1);
}

TEST_CASE("MAP_URL_TO_PATH_EX fills HSE_URL_MAPEX_INFO within the root and refuses a URL above it", "[ecb][map]") {
    static HSE_URL_MAPEX_INFO info;
    static BOOL ok, above_ok;
    static DWORD above_error;
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        DWORD size = 0;
        ok = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_MAP_URL_TO_PATH_EX,
                                        const_cast<char*>("/app/../secret.txt"), &size,
                                        reinterpret_cast<LPDWORD>(&info));
        HSE_URL_MAPEX_INFO above{};
        SetLastError(0);
        above_ok = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_MAP_URL_TO_PATH_EX,
                                              const_cast<char*>("/app/../../secret.txt"), &size,
                                              reinterpret_cast<LPDWORD>(&above));
        above_error = GetLastError();
        return HSE_STATUS_SUCCESS;
    });
    REQUIRE(h.wait_complete());
    CHECK(ok == TRUE);
    CHECK(std::string(info.lpszPath) == "/srv/www/secret.txt");
    CHECK(info.cchMatchingPath == std::strlen("/srv/www"));
    CHECK((info.dwFlags & HSE_URL_FLAGS_READ) != 0);
    CHECK(above_ok == FALSE);
    CHECK(above_error == ERROR_INVALID_PARAMETER);
}

TEST_CASE("IS_KEEP_CONN, IS_CONNECTED and IS_IN_PROCESS answer from the request and context", "[ecb][support]") {
    static BOOL keep_before, keep_after, connected;
    static DWORD in_process;
    for (bool inproc : {true, false}) {
        Harness h;
        h.context.in_process = inproc;
        h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
            ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IS_KEEP_CONN, &keep_before, nullptr, nullptr);
            ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_CLOSE_CONNECTION, nullptr, nullptr, nullptr);
            ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IS_KEEP_CONN, &keep_after, nullptr, nullptr);
            ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IS_CONNECTED, &connected, nullptr, nullptr);
            ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IS_IN_PROCESS, &in_process, nullptr, nullptr);
            return HSE_STATUS_SUCCESS;
        });
        REQUIRE(h.wait_complete());
        CHECK(keep_before == TRUE);
        CHECK(keep_after == FALSE);
        CHECK(connected == TRUE);
        CHECK(in_process == (inproc ? HSE_APP_FLAG_IN_PROCESS : HSE_APP_FLAG_ISOLATED_OOP));
        CHECK_FALSE(h.transport->kept_alive());  // CLOSE_CONNECTION
    }
}

TEST_CASE("ABORTIVE_CLOSE finishes the connection with a reset", "[ecb][support]") {
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_ABORTIVE_CLOSE, nullptr, nullptr, nullptr);
        return HSE_STATUS_SUCCESS;
    });
    REQUIRE(h.wait_complete());
    CHECK(h.transport->abortive());
    CHECK_FALSE(h.transport->kept_alive());
    CHECK(h.outcome().aborted);
}

TEST_CASE("log data, log parameters and unhealthy reports reach the host", "[ecb][support]") {
    std::string unhealthy;
    Harness h;
    h.context.report_unhealthy = [&](const std::string& reason) { unhealthy = reason; };
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        std::strcpy(ecb->lpszLogData, "custom log");
        ecb->ServerSupportFunction(ecb->ConnID, HSE_APPEND_LOG_PARAMETER, const_cast<char*>("user=42"), nullptr,
                                   nullptr);
        ecb->ServerSupportFunction(ecb->ConnID, HSE_APPEND_LOG_PARAMETER, const_cast<char*>("&cart=3"), nullptr,
                                   nullptr);
        ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_REPORT_UNHEALTHY, const_cast<char*>("db down"), nullptr,
                                   nullptr);
        return HSE_STATUS_SUCCESS;
    });
    REQUIRE(h.wait_complete());
    CHECK(h.outcome().log_data == "custom log");
    CHECK(h.outcome().log_parameters == "user=42&cart=3");
    CHECK(unhealthy == "db down");
}

TEST_CASE("SEND_URL writes the host's internal response as this request's response", "[ecb][support]") {
    static BOOL ok;
    std::string asked;
    Harness h;
    h.context.send_url = [&](const std::string& url,
                             const isapi::ecb::Request&) -> std::optional<isapi::ecb::InternalResponse> {
        asked = url;
        return isapi::ecb::InternalResponse{"HTTP/1.1 203 Non-Authoritative\r\nContent-Length: 3\r\n\r\nabc", 203,
                                            true};
    };
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        ok = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_URL, const_cast<char*>("/other"), nullptr, nullptr);
        return HSE_STATUS_SUCCESS;
    });
    REQUIRE(h.wait_complete());
    CHECK(ok == TRUE);
    CHECK(asked == "/other");
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.status == 203);
    CHECK(r.body == "abc");
    CHECK(r.rest.empty());
    CHECK(h.outcome().status == 203);
    CHECK(h.transport->kept_alive());
}

TEST_CASE("SEND_URL without a host handler fails with ERROR_INVALID_PARAMETER", "[ecb][support]") {
    static BOOL ok;
    static DWORD error;
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        SetLastError(0);
        ok = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_URL, const_cast<char*>("/other"), nullptr, nullptr);
        error = GetLastError();
        return HSE_STATUS_SUCCESS;
    });
    REQUIRE(h.wait_complete());
    CHECK(ok == FALSE);
    CHECK(error == ERROR_INVALID_PARAMETER);
    CHECK(h.response().status == 200);
}

TEST_CASE("support functions given NULL where a pointer is required fail with ERROR_INVALID_PARAMETER",
          "[ecb][support]") {
    static DWORD codes[] = {HSE_REQ_IS_KEEP_CONN, HSE_REQ_IS_CONNECTED, HSE_REQ_IS_IN_PROCESS,
                            HSE_APPEND_LOG_PARAMETER, HSE_REQ_SEND_RESPONSE_HEADER_EX, HSE_REQ_TRANSMIT_FILE,
                            HSE_REQ_VECTOR_SEND, HSE_REQ_MAP_URL_TO_PATH, HSE_REQ_SEND_URL_REDIRECT_RESP,
                            HSE_REQ_GET_CERT_INFO_EX};
    static int failures;
    failures = 0;
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        for (DWORD code : codes) {
            SetLastError(0);
            if (!ecb->ServerSupportFunction(ecb->ConnID, code, nullptr, nullptr, nullptr) &&
                GetLastError() == ERROR_INVALID_PARAMETER) {
                ++failures;
            }
        }
        return HSE_STATUS_SUCCESS;
    });
    REQUIRE(h.wait_complete());
    CHECK(failures == static_cast<int>(std::size(codes)));
}

// The client certificate as IIS hands it over: the DER bytes into the
// extension's own buffer, the flags as CERT_FLAGS; too small a buffer says
// how much it needs; no certificate is a success with no bytes.
TEST_CASE("GET_CERT_INFO_EX copies the client certificate into the extension's buffer", "[ecb][support]") {
    struct Seen {
        BOOL ok = FALSE;
        DWORD error = 0, encoded = 0, flags = 0, encoding = 0;
        std::string bytes;
    };
    static Seen small, fits;
    static const std::string der("\x30\x82\x01\x0a-the-certificate", 22);
    auto request = Harness::default_request();
    auto& tls = request.tls.emplace();
    tls.client_cert_present = true;
    tls.client_cert_untrusted = true;
    tls.client_cert_der = der;
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        auto ask = [ecb](DWORD room, Seen& seen) {
            std::string buffer(room, '\0');
            CERT_CONTEXT_EX info{};
            info.CertContext.pbCertEncoded = reinterpret_cast<BYTE*>(buffer.data());
            info.cbAllocated = room;
            SetLastError(0);
            seen.ok = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_GET_CERT_INFO_EX, &info, nullptr, nullptr);
            seen.error = GetLastError();
            seen.encoded = info.CertContext.cbCertEncoded;
            seen.flags = info.dwCertificateFlags;
            seen.encoding = info.CertContext.dwCertEncodingType;
            seen.bytes = buffer.substr(0, seen.ok ? info.CertContext.cbCertEncoded : 0);
        };
        ask(4, small);
        ask(1024, fits);
        return HSE_STATUS_SUCCESS;
    }, request);
    REQUIRE(h.wait_complete());
    CHECK(small.ok == FALSE);
    CHECK(small.error == ERROR_INSUFFICIENT_BUFFER);
    CHECK(small.encoded == der.size());
    CHECK(fits.ok == TRUE);
    CHECK(fits.bytes == der);
    CHECK(fits.flags == 3);
    CHECK(fits.encoding == (X509_ASN_ENCODING | PKCS_7_ASN_ENCODING));

    static Seen plain;
    Harness without;
    without.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        BYTE buffer[16];
        CERT_CONTEXT_EX info{};
        info.CertContext.pbCertEncoded = buffer;
        info.CertContext.cbCertEncoded = 99;
        info.cbAllocated = sizeof buffer;
        plain.ok = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_GET_CERT_INFO_EX, &info, nullptr, nullptr);
        plain.encoded = info.CertContext.cbCertEncoded;
        plain.flags = info.dwCertificateFlags;
        return HSE_STATUS_SUCCESS;
    });
    REQUIRE(without.wait_complete());
    CHECK(plain.ok == TRUE);
    CHECK(plain.encoded == 0);
    CHECK(plain.flags == 0);
}
