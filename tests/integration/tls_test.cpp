// HTTPS over real connections: isapi-host with --tls-cert, in process and
// with a worker process, driven by a TLS client that checks the server's
// certificate. What IIS gives an extension on such a request (HTTPS=on,
// SERVER_PORT_SECURE=1, the key sizes, the certificates' names), and what
// its "Client certificates" setting does (403.7, 403.16, CERT_FLAGS).
#include "test_support.hpp"

#include "../unit/ecb/server_variable_expect.hpp"  // SERVER_VARS_DUMP_TARGET

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

using namespace isapi::itest;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;

namespace {

std::string sample(const std::string& name) {
    const std::filesystem::path hello(Built::hello);
    return (hello.parent_path() / (name + hello.extension().string())).string();
}

// The certificates every test here uses, made once per run in a scratch
// folder: the server's pair (scripts/make-tls-cert.sh), a client CA, a
// client certificate it issued, and a self-signed one no CA vouches for.
struct Certificates {
    TempDir dir;
    std::string file(const std::string& name) const { return (dir.path() / name).string(); }

    Certificates() {
        const std::string d = dir.path().string();
        run(std::string(ISAPI_SOURCE_DIR) + "/scripts/make-tls-cert.sh '" + d + "' localhost");
        const std::string quiet = " >/dev/null 2>&1";
        run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout '" + d + "/ca.key' -out '" + d +
            "/ca.crt' -subj '/C=US/O=Client CA/CN=Test Client CA'" + quiet);
        run("openssl req -newkey rsa:2048 -nodes -keyout '" + d + "/alice.key' -out '" + d +
            "/alice.csr' -subj '/C=US/ST=WA/O=Contoso, Inc./CN=alice'" + quiet);
        run("openssl x509 -req -in '" + d + "/alice.csr' -CA '" + d + "/ca.crt' -CAkey '" + d +
            "/ca.key' -set_serial 0x0102ab -days 2 -out '" + d + "/alice.crt'" + quiet);
        run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout '" + d + "/mallory.key' -out '" + d +
            "/mallory.crt' -subj '/CN=mallory'" + quiet);
    }
    static void run(const std::string& command) {
        INFO(command);
        REQUIRE(std::system(command.c_str()) == 0);
    }
};

const Certificates& certificates() {
    static const Certificates made;
    return made;
}

std::unique_ptr<HostProcess> start_tls_host(const std::string& isolation, std::vector<std::string> extra = {}) {
    const auto& c = certificates();
    std::vector<std::string> args = {"--isolation", isolation, "--listen", "127.0.0.1:0", "--log-level", "warn",
                                     "--tls-cert", c.file("localhost.crt"), "--tls-key", c.file("localhost.key"),
                                     "--map", "/hello.dll=" + std::string(Built::hello), "--map",
                                     "/echo.dll=" + std::string(Built::echo), "--map",
                                     "/vars.dll=" + sample("server_vars_dump")};
    args.insert(args.end(), extra.begin(), extra.end());
    return spawn_host(std::move(args));
}

// One TLS connection that verifies the host's certificate for "localhost"
// and may present a client certificate. Every step has a deadline.
class TlsClient {
public:
    TlsClient(const HostProcess& host, const std::string& client_cert = "", const std::string& client_key = "")
        : context_(ssl::context::tls_client) {
        context_.load_verify_file(certificates().file("localhost.crt"));
        context_.set_verify_mode(ssl::verify_peer);
        if (!client_cert.empty()) {
            context_.use_certificate_file(client_cert, ssl::context::pem);
            context_.use_private_key_file(client_key, ssl::context::pem);
        }
        stream_.emplace(io_, context_);
        stream_->set_verify_callback(ssl::host_name_verification("localhost"));
        const net::ip::tcp::endpoint endpoint(net::ip::make_address(host.address()), host.port());
        boost::system::error_code ec;
        stream_->next_layer().async_connect(endpoint, [&](auto e) { ec = e; });
        finish("connect", ec);
        stream_->async_handshake(ssl::stream_base::client, [&](auto e) { ec = e; });
        finish("handshake", ec);
    }

    http::response<http::string_body> send(http::request<http::string_body> request) {
        request.set(http::field::host, "localhost");
        request.prepare_payload();
        boost::system::error_code ec;
        http::async_write(*stream_, request, [&](auto e, std::size_t) { ec = e; });
        finish("write", ec);
        // An interim 100 Continue comes before the response (RFC 9110, 15.2).
        for (;;) {
            http::response<http::string_body> response;
            http::async_read(*stream_, buffer_, response, [&](auto e, std::size_t) { ec = e; });
            finish("read", ec);
            if (response.result_int() != 100) return response;
            ++interim_responses_;
        }
    }
    http::response<http::string_body> get(const std::string& target) {
        return send(http::request<http::string_body>(http::verb::get, target, 11));
    }

    int interim_responses() const { return interim_responses_; }

    // Reads until the connection ends: what ended it (eof after the host's
    // close_notify; stream_truncated when the TCP connection just closed).
    boost::system::error_code read_to_end() {
        boost::system::error_code ec;
        char byte;
        net::async_read(*stream_, net::buffer(&byte, 1), [&](auto e, std::size_t) { ec = e; });
        run();
        return ec;
    }

private:
    void run() {
        io_.restart();
        io_.run_for(std::chrono::seconds(15));
        REQUIRE(io_.stopped());  // else the deadline passed
    }
    void finish(const char* step, const boost::system::error_code& ec) {
        run();
        INFO(step << ": " << ec.message());
        REQUIRE_FALSE(ec);
    }

    net::io_context io_;
    ssl::context context_;
    std::optional<ssl::stream<net::ip::tcp::socket>> stream_;
    boost::beast::flat_buffer buffer_;
    int interim_responses_ = 0;
};

// "NAME=value" lines of the server_vars_dump sample.
std::string variable(const std::string& dump, const std::string& name) {
    const std::string key = "\n" + name + "=";
    const auto at = ("\n" + dump).find(key);
    if (at == std::string::npos) return "(missing)";
    const auto start = at + key.size() - 1;
    return dump.substr(start, dump.find('\n', start) - start);
}

}  // namespace

TEST_CASE("isapi-host serves HTTPS and tells the extension, in process and in a worker", "[tls]") {
    for (const std::string isolation : {"inproc", "process"}) {
        INFO("isolation " << isolation);
        const auto host = start_tls_host(isolation);
        CHECK(host->tls());
        TlsClient client(*host);
        const auto hello = client.get("/hello.dll");
        CHECK(hello.result_int() == 200);
        CHECK(hello.body().find("Hello") != std::string::npos);

        // The same connection again (keep-alive), now with the variables.
        const auto vars = client.get(SERVER_VARS_DUMP_TARGET);
        REQUIRE(vars.result_int() == 200);
        const std::string& dump = vars.body();
        INFO(dump);
        CHECK(variable(dump, "HTTPS") == "on");
        CHECK(variable(dump, "SERVER_PORT_SECURE") == "1");
        CHECK(std::stoi(variable(dump, "HTTPS_KEYSIZE")) >= 128);
        CHECK(variable(dump, "HTTPS_SECRETKEYSIZE") == "2048");
        CHECK(variable(dump, "CERT_SECRETKEYSIZE") == "2048");
        CHECK(variable(dump, "HTTPS_SERVER_SUBJECT") == "C=US, O=isapi-harness test, CN=localhost");
        CHECK(variable(dump, "CERT_SERVER_ISSUER") == "C=US, O=isapi-harness test, CN=localhost");
        CHECK(variable(dump, "CERT_FLAGS") == "0");  // the host did not ask for one
        CHECK(variable(dump, "CACHE_URL").rfind("https://", 0) == 0);
    }
}

TEST_CASE("a body past the preloaded part and 100-continue go through TLS", "[tls]") {
    for (const std::string isolation : {"inproc", "process"}) {
        INFO("isolation " << isolation);
        const auto host = start_tls_host(isolation);
        TlsClient client(*host);
        // 200 KiB: most of it read with ReadClient after the 48 KiB preload.
        std::string body(200 * 1024, '\0');
        for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
        http::request<http::string_body> post(http::verb::post, "/echo.dll", 11);
        post.set(http::field::expect, "100-continue");
        post.body() = body;
        const auto echoed = client.send(post);
        CHECK(client.interim_responses() == 1);
        CHECK(echoed.result_int() == 200);
        CHECK(echoed.body() == body);
        CHECK(client.get("/hello.dll").result_int() == 200);
    }
}

TEST_CASE("a closing HTTPS response ends with close_notify, not a cut connection", "[tls]") {
    const auto host = start_tls_host("inproc");
    TlsClient client(*host);
    http::request<http::string_body> request(http::verb::get, "/hello.dll", 11);
    request.set(http::field::connection, "close");
    const auto response = client.send(request);
    CHECK(response.result_int() == 200);
    const auto end = client.read_to_end();
    INFO(end.message());
    CHECK(end == net::error::eof);  // stream_truncated would mean no close_notify
}

TEST_CASE("client certificates: accept and require, as IIS answers them", "[tls]") {
    const auto& c = certificates();
    SECTION("accept: a trusted certificate is described, none is fine, an untrusted one gets 403.16") {
        const auto host = start_tls_host("process", {"--tls-client-certs", "accept", "--tls-client-ca", c.file("ca.crt")});
        TlsClient alice(*host, c.file("alice.crt"), c.file("alice.key"));
        const auto vars = alice.get(SERVER_VARS_DUMP_TARGET);
        REQUIRE(vars.result_int() == 200);
        INFO(vars.body());
        CHECK(variable(vars.body(), "CERT_FLAGS") == "1");
        CHECK(variable(vars.body(), "CERT_SUBJECT") == "C=US, S=WA, O=\"Contoso, Inc.\", CN=alice");
        CHECK(variable(vars.body(), "CERT_ISSUER") == "C=US, O=Client CA, CN=Test Client CA");
        CHECK(variable(vars.body(), "CERT_SERIALNUMBER") == "01-02-ab");
        CHECK(variable(vars.body(), "CERT_COOKIE").size() == 40);  // SHA-1 thumbprint in hex

        TlsClient anonymous(*host);
        const auto none = anonymous.get(SERVER_VARS_DUMP_TARGET);
        CHECK(none.result_int() == 200);
        CHECK(variable(none.body(), "CERT_FLAGS") == "0");

        TlsClient mallory(*host, c.file("mallory.crt"), c.file("mallory.key"));
        const auto refused = mallory.get("/hello.dll");
        CHECK(refused.result_int() == 403);
        CHECK(refused.body().find("403.16") != std::string::npos);
    }
    SECTION("require: none gets 403.7, a trusted one is served") {
        const auto host = start_tls_host("inproc", {"--tls-client-certs", "require", "--tls-client-ca", c.file("ca.crt")});
        TlsClient anonymous(*host);
        const auto refused = anonymous.get("/hello.dll");
        CHECK(refused.result_int() == 403);
        CHECK(refused.body().find("403.7") != std::string::npos);
        TlsClient alice(*host, c.file("alice.crt"), c.file("alice.key"));
        CHECK(alice.get("/hello.dll").result_int() == 200);
    }
}

TEST_CASE("plain HTTP on the TLS port gets no answer, and the host keeps serving", "[tls]") {
    const auto host = start_tls_host("inproc");
    HttpClient plain(host->address(), host->port(), std::chrono::seconds(5));
    CHECK_THROWS(plain.get("/hello.dll"));
    TlsClient client(*host);
    CHECK(client.get("/hello.dll").result_int() == 200);
}

TEST_CASE("isapi-host refuses a TLS key that is not the certificate's, before it listens", "[tls]") {
    const auto& c = certificates();
    isapi::host_control::HostStart start;
    start.executable = Built::host;
    start.args = {"--listen", "127.0.0.1:0", "--tls-cert", c.file("localhost.crt"), "--tls-key", c.file("alice.key"),
                  "--map", "/hello.dll=" + std::string(Built::hello)};
    try {
        HostProcess host(start);
        FAIL("the host started");
    } catch (const std::runtime_error& e) {
        INFO(e.what());
        CHECK(std::string(e.what()).find("cannot use the TLS key") != std::string::npos);
        CHECK(std::string(e.what()).find("mismatch") != std::string::npos);
    }
}
