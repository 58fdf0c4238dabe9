// The hostile samples, crash and stuck, served in process by a real isapi-host
// over real HTTP: only what an in-process host survives. crash's ?crash=1 and
// ?exit=N would end the host under test; they belong to process isolation
// tests.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <boost/beast/core/error.hpp>
#include <boost/system/system_error.hpp>

#include <isapi/contract/host_contract.hpp>

#include <chrono>

using namespace isapi::itest;
using namespace std::chrono_literals;

namespace {

// A host serving crash, stuck and hello, plus any extra options.
std::unique_ptr<HostProcess> start_hostile_host(std::vector<std::string> extra = {})
{
    std::vector<std::string> args;
    for (const auto& [url, path] : {std::pair{"/crash.dll", Built::crash}, std::pair{"/stuck.dll", Built::stuck},
                                    std::pair{"/hello.dll", Built::hello}}) {
        const auto pair = map_arg(url, path);
        args.insert(args.end(), pair.begin(), pair.end());
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return start_host(std::move(args));
}

// Sends GET /stuck.dll on a client that gives up after `wait`. Returns how the
// attempt ended: "timeout" when nothing came back in time (the client then
// closes its connection), else what happened instead.
std::string get_stuck(const HostProcess& host, std::chrono::milliseconds wait)
{
    HttpClient client(host.address(), host.port(), wait);
    try {
        const auto response = client.get("/stuck.dll");
        return "a response with status " + std::to_string(response.status);
    } catch (const boost::system::system_error& error) {
        if (error.code() == boost::beast::error::timeout) return "timeout";
        return "a network error: " + error.code().message();
    }
}

}  // namespace

TEST_CASE("crash without ?crash=1 answers 200 with its page and the host keeps running",
          "[integration][samples][crash]")
{
    auto host = start_hostile_host();
    auto client = client_for(*host);
    for (const std::string target : {"/crash.dll", "/crash.dll?crash=0", "/crash.dll?other=1"}) {
        INFO("GET " << target);
        const auto response = get_from_live_host(*host, client, target);
        CHECK(response.status == 200);
        CHECK(response.body == "crash sample: add ?crash=1 to crash\n");
        CHECK(response.header("Content-Length") == std::optional<std::string>("36"));
    }
    CHECK(host->running());
}

TEST_CASE("crash answers 400 to an ?exit= that is not a number from 0 to 255, without exiting",
          "[integration][samples][crash]")
{
    auto host = start_hostile_host();
    auto client = client_for(*host);
    for (const std::string target : {"/crash.dll?exit=abc", "/crash.dll?exit=256", "/crash.dll?exit=-1",
                                     "/crash.dll?exit="}) {
        INFO("GET " << target);
        const auto response = get_from_live_host(*host, client, target);
        CHECK(response.status == 400);
        CHECK(response.body == "exit must be a number from 0 to 255\n");
    }
    CHECK(host->running());
    CHECK(client_for(*host).get("/crash.dll").status == 200);
}

TEST_CASE("stuck?ok=1 answers 200 at once", "[integration][samples][stuck]")
{
    auto host = start_hostile_host();
    HttpClient client(host->address(), host->port(), 2s);
    const auto response = get_from_live_host(*host, client, "/stuck.dll?ok=1");
    CHECK(response.status == 200);
    CHECK(response.body == "stuck sample: ok\n");
}

TEST_CASE("a stuck request gets no response within 300 ms while the host keeps answering other requests",
          "[integration][samples][stuck]")
{
    auto host = start_hostile_host();
    const auto start = std::chrono::steady_clock::now();
    CHECK(get_stuck(*host, 300ms) == "timeout");
    CHECK(std::chrono::steady_clock::now() - start >= 290ms);

    // Two more stuck requests on their own connections, still pending while
    // the others are served.
    HttpClient held_a(host->address(), host->port(), 2s);
    HttpClient held_b(host->address(), host->port(), 2s);
    held_a.write_raw("GET /stuck.dll?a HTTP/1.1\r\nHost: x\r\n\r\n");
    held_b.write_raw("GET /stuck.dll?b HTTP/1.1\r\nHost: x\r\n\r\n");

    HttpClient other(host->address(), host->port(), 2s);
    for (int i = 0; i < 3; ++i) {
        const auto hello = get_from_live_host(*host, other, "/hello.dll");
        CHECK(hello.status == 200);
        CHECK(hello.body == "Hello from ISAPI\n");
        const auto ok = get_from_live_host(*host, other, "/stuck.dll?ok=1");
        CHECK(ok.status == 200);
        CHECK(ok.body == "stuck sample: ok\n");
    }
    CHECK(host->running());
}

TEST_CASE("SIGTERM with a stuck request running: the host gives up at --shutdown-time-limit and exits with code 3",
          "[integration][samples][stuck][shutdown]")
{
    auto host = start_hostile_host({"--shutdown-time-limit", "500", "--admin", "127.0.0.1:0"});
    // One stuck request whose client gave up and left, one whose client is
    // still connected: neither completes, so neither may let shutdown finish.
    REQUIRE(get_stuck(*host, 300ms) == "timeout");
    HttpClient held(host->address(), host->port(), 2s);
    held.write_raw("GET /stuck.dll?held HTTP/1.1\r\nHost: x\r\n\r\n");
    // The host is otherwise healthy, and by the time this is answered on the
    // same module the held request has long been accepted.
    REQUIRE(client_for(*host).get("/stuck.dll?ok=1").status == 200);
    REQUIRE(wait_for_requests_in_flight(*host, 2, 3s));

    const auto signalled = std::chrono::steady_clock::now();
    REQUIRE(host->terminate());
    const auto status = host->wait_exit(10s);
    const auto took = std::chrono::steady_clock::now() - signalled;
    INFO("host output: " << host->output());
    REQUIRE(status.has_value());
    CHECK(status->describe() == exited_with(isapi::contract::exit_shutdown_time_limit));
    // It waited for the running requests up to the limit, not past it by much.
    CHECK(took >= 450ms);
    CHECK(took < 5s);
}
