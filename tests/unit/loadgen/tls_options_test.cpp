// https:// without sockets: the TLS options against the target, the --ca
// file's checks, and the tls class. The handshakes themselves are tested
// against a real TLS server (tests/integration/loadgen/tls_run.sh).
// Portable: in a build without OpenSSL (the mingw build) the same tests
// check that an https:// target is refused as such.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "cli/plan_builder.hpp"
#include "client/tls.hpp"
#include "stats/error_class.hpp"

using namespace isapi::loadgen;
namespace fs = std::filesystem;

namespace {

// A self-signed CA certificate (EC P-256, "CN=loadgen unit test CA"): a
// --ca file that OpenSSL reads. Its dates do not matter to loading it.
constexpr const char* kCaPem = R"(-----BEGIN CERTIFICATE-----
MIIBkzCCATmgAwIBAgIUVJ6PPCaGsedJ9fxAWy+rc1flNjswCgYIKoZIzj0EAwIw
HzEdMBsGA1UEAwwUbG9hZGdlbiB1bml0IHRlc3QgQ0EwHhcNMjYxMjA1MDc0MDE0
WhcNMzYxMjAyMDc0MDE0WjAfMR0wGwYDVQQDDBRsb2FkZ2VuIHVuaXQgdGVzdCBD
QTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCUJ2rLkFxtbFwOHk5CH4Hk6rkJ8
URMurX/bQGZk3itYpzydkzmgTHj5faxudxrjaanqxOqJC7M7Ioq4Y0xhW8SjUzBR
MB0GA1UdDgQWBBSsFZqdBpmMekaTk2U8tbsIoovLYzAfBgNVHSMEGDAWgBSsFZqd
BpmMekaTk2U8tbsIoovLYzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA
MEUCIAtIIvgsWg+CL4pvTj/5IYGySZfJYUcJC2FPSWVCe3iWAiEApnKg1ZKCh85I
KHw2e69E5ybSiMyz6TnVYL9UD/AGFCs=
-----END CERTIFICATE-----
)";

// A folder of its own under the system's temporary folder, removed at the end.
struct ScratchDir {
    fs::path path;
    ScratchDir() {
        std::random_device rd;
        path = fs::temp_directory_path() / ("loadgen-tls-test-" + std::to_string(rd()) + std::to_string(rd()));
        fs::create_directories(path);
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name, std::ios::binary) << text;
        return (path / name).string();
    }
};

RunPlan plan_with(const std::string& url, bool insecure, const std::string& ca) {
    CommonOptions common;
    common.requests = 1;
    common.insecure = insecure;
    common.ca_file = ca;
    RunOptions run;
    run.url = url;
    return plan_for_run(common, run);
}

}  // namespace

TEST_CASE("an http:// target with --insecure or --ca is refused, naming the option", "[tls][options]") {
    CHECK_THROWS_WITH(plan_with("http://127.0.0.1:8080/", true, ""),
                      Catch::Contains("--insecure is for https:// targets") &&
                          Catch::Contains("http://127.0.0.1:8080 is plain HTTP"));
    CHECK_THROWS_WITH(plan_with("http://127.0.0.1:8080/", false, "ca.pem"), Catch::Contains("--ca is for https:// targets"));
    CHECK_NOTHROW(plan_with("http://127.0.0.1:8080/", false, ""));
    // replay's --target goes through the same check.
    ReplayOptions replay;
    replay.file = "never-read.log";
    replay.target = "http://127.0.0.1:8080";
    CommonOptions common;
    common.insecure = true;
    std::ostringstream diagnostics;
    std::size_t malformed = 0;
    CHECK_THROWS_WITH(plan_for_replay(common, replay, diagnostics, malformed), Catch::Contains("--insecure is for https://"));
}

TEST_CASE("both --insecure and --ca are refused: one turns off what the other is for", "[tls][options]") {
    const Url https = Url::parse("https://localhost/");
    CHECK_THROWS_WITH(check_tls_options(https, TlsOptions{true, "ca.pem"}),
                      Catch::Contains("--insecure") && Catch::Contains("--ca ca.pem") &&
                          Catch::Contains("one or the other"));
}

TEST_CASE("an https:// target keeps its TLS options in the plan, or is refused by a build without TLS", "[tls][options]") {
    if (!tls_available()) {
        CHECK_THROWS_WITH(plan_with("https://127.0.0.1:8443/", true, ""), Catch::Contains("this build has no TLS support"));
        return;
    }
    const RunPlan insecure = plan_with("https://127.0.0.1:8443/x", true, "");
    CHECK(insecure.target.tls);
    CHECK(insecure.target.port == 8443);
    CHECK(insecure.tls.insecure);
    CHECK(insecure.tls.ca_file.empty());
    const RunPlan with_ca = plan_with("https://localhost/", false, "certs/localhost.crt");
    CHECK(with_ca.target.port == 443);
    CHECK_FALSE(with_ca.tls.insecure);
    CHECK(with_ca.tls.ca_file == "certs/localhost.crt");
    // The default: the system's CAs, and the certificate is checked.
    const RunPlan checked = plan_with("https://localhost/", false, "");
    CHECK_FALSE(checked.tls.insecure);
    CHECK(checked.tls.ca_file.empty());
}

TEST_CASE("a --ca file that cannot be used is refused before any request, naming the file", "[tls][options]") {
    const Url target = Url::parse("https://localhost:8443/");
    ScratchDir dir;
    if (!tls_available()) {
        CHECK_THROWS_WITH(make_tls_context(target, TlsOptions{false, dir.write("ca.pem", kCaPem)}),
                          Catch::Contains("no TLS support"));
        return;
    }
    const std::string missing = (dir.path / "missing.pem").string();
    CHECK_THROWS_WITH(make_tls_context(target, TlsOptions{false, missing}),
                      Catch::Contains("--ca " + missing + ": cannot read it"));
    const std::string not_pem = dir.write("notes.txt", "not a certificate\n");
    CHECK_THROWS_WITH(make_tls_context(target, TlsOptions{false, not_pem}),
                      Catch::Contains("--ca " + not_pem + ": no PEM certificate OpenSSL can use"));
    CHECK_THROWS_WITH(make_tls_context(target, TlsOptions{false, dir.path.string()}), Catch::Contains("is a folder"));
    // A readable bundle, an address target, and --insecure all make a context.
    CHECK(make_tls_context(target, TlsOptions{false, dir.write("ca.pem", kCaPem)}) != nullptr);
    CHECK(make_tls_context(Url::parse("https://127.0.0.1:8443/"), TlsOptions{false, dir.path.string() + "/ca.pem"}) !=
          nullptr);
    CHECK(make_tls_context(Url::parse("https://[::1]:8443/"), TlsOptions{true, ""}) != nullptr);
    // The plain-HTTP checks come first.
    CHECK_THROWS_WITH(make_tls_context(Url::parse("http://localhost/"), TlsOptions{true, ""}),
                      Catch::Contains("--insecure is for https://"));
}

TEST_CASE("a failed handshake has its own dropped class, tls, after the older ones", "[tls][classes]") {
    CHECK(class_name(ErrorClass::tls) == "tls");
    CHECK(class_from_name("tls") == ErrorClass::tls);
    CHECK(is_dropped(ErrorClass::tls));
    // Binary logs store the class as its number: the classes before tls keep theirs.
    CHECK(static_cast<int>(ErrorClass::io_error) == 9);
    CHECK(static_cast<int>(ErrorClass::tls) == 10);
    CHECK(all_classes().back() == ErrorClass::tls);
}

TEST_CASE("the handshakes of the threads add up, keeping the first protocol and reason", "[tls]") {
    TlsTally a;
    a.handshakes = 3;
    a.resumed = 2;
    TlsTally b;
    b.handshakes = 1;
    b.failed = 4;
    b.protocol = "TLSv1.3";
    b.cipher = "TLS_AES_256_GCM_SHA384";
    b.first_error = "certificate verify failed: self-signed certificate";
    TlsTally c;
    c.failed = 1;
    c.first_error = "another reason";
    a.merge(b);
    a.merge(c);
    CHECK(a.handshakes == 4);
    CHECK(a.resumed == 2);
    CHECK(a.failed == 5);
    CHECK(a.protocol == "TLSv1.3");
    CHECK(a.cipher == "TLS_AES_256_GCM_SHA384");
    CHECK(a.first_error == "certificate verify failed: self-signed certificate");
}
