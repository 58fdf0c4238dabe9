// isapi-host behaviour driven over real HTTP: connection reuse, module
// failures, uncached mode, request limits and graceful shutdown.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <boost/system/system_error.hpp>

#include <filesystem>
#include <future>

using namespace isapi::itest;
namespace fs = std::filesystem;

TEST_CASE("one kept-alive connection serves several requests in turn", "[integration][host]")
{
    auto host = start_host_with_samples();
    auto client = client_for(*host);
    for (int i = 0; i < 10; ++i) {
        const auto response = client.get(i % 2 ? "/hello.dll" : "/v1.dll");
        REQUIRE(response.status == 200);
        CHECK(response.keep_alive);
    }
    HttpRequest post;
    post.method = "POST";
    post.target = "/echo.dll";
    post.body = "ping";
    CHECK(client.send(post).body == "ping");
    CHECK(client.get("/hello.dll").body == "Hello from ISAPI\n");
    CHECK(client.connections_made() == 1);
}

TEST_CASE("a URL that names a missing module file answers 404", "[integration][host]")
{
    TempDir dir;
    auto host = start_host(map_arg("/missing.dll", (dir.path() / "missing.so").string()));
    auto client = client_for(*host);
    CHECK(client.get("/missing.dll").status == 404);
    CHECK(client.get("/missing.dll/with/path/info").status == 404);
}

TEST_CASE("a wildcard mapping to a missing module file answers 500", "[integration][host]")
{
    TempDir dir;
    auto host = start_host({"--root", dir.path().string(), "--map", "*.isa=" + (dir.path() / "gone.isa").string()});
    auto client = client_for(*host);
    CHECK(client.get("/gone.isa").status == 500);
}

TEST_CASE("a URL that no mapping covers answers 404", "[integration][host]")
{
    auto host = start_host_with_samples();
    auto client = client_for(*host);
    CHECK(client.get("/nothing-here.dll").status == 404);
}

TEST_CASE("a mapped file that is not an ISAPI module answers 500 and the host keeps serving", "[integration][host]")
{
    TempDir dir;
    const auto text = dir.write("notes.dll", "this is a text file, not a shared object\n");
    auto args = map_arg("/notes.dll", text.string());
    auto hello = map_arg("/hello.dll", Built::hello);
    args.insert(args.end(), hello.begin(), hello.end());
    auto host = start_host(args);
    auto client = client_for(*host);
    CHECK(client.get("/notes.dll").status == 500);
    CHECK(client_for(*host).get("/notes.dll").status == 500);
    CHECK(client_for(*host).get("/hello.dll").status == 200);
}

TEST_CASE("a wildcard mapping serves any URL with the extension", "[integration][host]")
{
    TempDir dir;
    fs::copy_file(Built::version_v1, dir.path() / "app.isa");
    auto host = start_host({"--root", dir.path().string(), "--map", "*.isa=" + (dir.path() / "app.isa").string()});
    auto client = client_for(*host);
    const auto response = client.get("/app.isa");
    CHECK(response.status == 200);
    CHECK(response.body == "version v1\n");
}

TEST_CASE("uncached mode serves sequential requests and unloads the module between them", "[integration][host]")
{
    auto host = start_host(map_arg("/v.dll", Built::version_v1, "uncached"));
    auto client = client_for(*host);
    for (int i = 0; i < 5; ++i) {
        const auto response = client.get("/v.dll");
        REQUIRE(response.status == 200);
        CHECK(response.body == "version v1\n");
        // Unloading follows the response; give it a moment.
        CHECK(wait_until([&] { return !module_mapped(host->pid(), Built::version_v1); }, std::chrono::seconds(5)));
    }
}

TEST_CASE("uncached async requests complete and the module's worker thread is joined at each unload",
          "[integration][host]")
{
    auto host = start_host(map_arg("/async.dll", Built::async, "uncached"));
    auto client = client_for(*host);
    for (int i = 0; i < 10; ++i) {
        const auto response = get_from_live_host(*host, client, "/async.dll?i=" + std::to_string(i));
        REQUIRE(response.status == 200);
        CHECK(response.body == "async response from the worker thread\nquery: i=" + std::to_string(i) + "\n");
        CHECK(wait_until([&] { return !module_mapped(host->pid(), Built::async); }, std::chrono::seconds(5)));
    }
    // Code running after unload would have crashed the host.
    CHECK(host->running());
    CHECK(client_for(*host).get("/async.dll?last").status == 200);
}

TEST_CASE("uncached transmit requests complete through their async completion, one load each",
          "[integration][host]")
{
    auto host = start_host(map_arg("/transmit.dll", Built::transmit, "uncached"));
    auto client = client_for(*host);
    for (int i = 0; i < 5; ++i) {
        const auto response = get_from_live_host(*host, client, "/transmit.dll");
        REQUIRE(response.status == 200);
        CHECK(response.body.size() == 114714);  // head + 4096 lines of 28 bytes + tail
        CHECK(wait_until([&] { return !module_mapped(host->pid(), Built::transmit); }, std::chrono::seconds(5)));
    }
    CHECK(host->running());
}

TEST_CASE("cached mode keeps the module loaded between requests", "[integration][host]")
{
    auto host = start_host(map_arg("/v.dll", Built::version_v1, "cached"));
    auto client = client_for(*host);
    REQUIRE(client.get("/v.dll").status == 200);
    REQUIRE(client.get("/v.dll").status == 200);
    CHECK(module_mapped(host->pid(), Built::version_v1));
}

TEST_CASE("uncached mode picks up a new build at the same path on the next request", "[integration][host]")
{
    TempDir dir;
    const auto live = dir.path() / "live.so";
    fs::copy_file(Built::version_v1, live);
    auto host = start_host(map_arg("/live.dll", live.string(), "uncached"));
    auto client = client_for(*host);
    REQUIRE(client.get("/live.dll").body == "version v1\n");
    REQUIRE(wait_until([&] { return !module_mapped(host->pid(), live); }, std::chrono::seconds(5)));

    // An atomic replace, as a careful deployment would do it.
    fs::copy_file(Built::version_v2, dir.path() / "live.new");
    fs::rename(dir.path() / "live.new", live);
    CHECK(client.get("/live.dll").body == "version v2\n");
}

TEST_CASE("the --uncached flag makes every mapping uncached", "[integration][host]")
{
    auto args = map_arg("/v.dll", Built::version_v1);
    args.push_back("--uncached");
    auto host = start_host(args);
    auto client = client_for(*host);
    REQUIRE(client.get("/v.dll").body == "version v1\n");
    CHECK(wait_until([&] { return !module_mapped(host->pid(), Built::version_v1); }, std::chrono::seconds(5)));
}

TEST_CASE("a request whose headers exceed --max-header-bytes answers 431", "[integration][host][limits]")
{
    auto args = map_arg("/hello.dll", Built::hello);
    args.insert(args.end(), {"--max-header-bytes", "8192"});
    auto host = start_host(args);
    HttpClient client = client_for(*host);
    HttpRequest request;
    request.target = "/hello.dll";
    request.headers = {{"X-Big", std::string(16 * 1024, 'h')}};
    const auto response = client.send(request);
    CHECK(response.status == 431);
    // Headers just under the limit are fine.
    HttpClient fresh = client_for(*host);
    request.headers = {{"X-Small", std::string(1024, 'h')}};
    CHECK(fresh.send(request).status == 200);
}

TEST_CASE("a body over --max-body-bytes answers 413", "[integration][host][limits]")
{
    auto args = map_arg("/echo.dll", Built::echo);
    args.insert(args.end(), {"--max-body-bytes", "1024"});
    auto host = start_host(args);

    SECTION("announced by Content-Length: answered before the body is read")
    {
        HttpClient client = client_for(*host);
        client.write_raw("POST /echo.dll HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n");
        CHECK(client.read_response().status == 413);
    }
    SECTION("a chunked body that grows past the limit")
    {
        HttpClient client = client_for(*host);
        std::string raw = "POST /echo.dll HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 4; ++i) raw += "200\r\n" + std::string(512, 'c') + "\r\n";
        raw += "0\r\n\r\n";
        client.write_raw(raw);
        CHECK(client.read_response().status == 413);
    }
    SECTION("a body at the limit is served")
    {
        HttpClient client = client_for(*host);
        HttpRequest request;
        request.method = "POST";
        request.target = "/echo.dll";
        request.body = std::string(1024, 'b');
        const auto response = client.send(request);
        CHECK(response.status == 200);
        CHECK(response.body == request.body);
    }
}

TEST_CASE("a client that stalls halfway through its request gets 408 after --request-timeout",
          "[integration][host][limits]")
{
    auto args = map_arg("/hello.dll", Built::hello);
    args.insert(args.end(), {"--request-timeout", "500"});
    auto host = start_host(args);
    HttpClient client = client_for(*host);
    const auto start = std::chrono::steady_clock::now();
    client.write_raw("GET /hello.dll HTTP/1.1\r\nHost: x\r\nX-Half: ");
    const auto response = client.read_response();
    CHECK(response.status == 408);
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(400));
    CHECK_FALSE(response.keep_alive);
}

TEST_CASE("SIGTERM lets an in-flight slow request finish, then the host exits cleanly", "[integration][host][shutdown]")
{
    auto args = map_arg("/slow.dll", Built::slow);
    args.insert(args.end(), {"--shutdown-time-limit", "20000", "--admin", "127.0.0.1:0"});
    auto host = start_host(args);
    auto in_flight = std::async(std::launch::async, [&host] {
        auto client = client_for(*host);
        return client.get("/slow.dll?ms=1500");
    });
    // The request is running before the signal.
    REQUIRE(wait_for_requests_in_flight(*host, 1, std::chrono::seconds(5)));
    REQUIRE(host->terminate());

    const auto response = in_flight.get();
    CHECK(response.status == 200);
    CHECK(response.body == "slept 1500 ms\n");

    const auto status = host->wait_exit(std::chrono::seconds(15));
    INFO("host output: " << host->output());
    REQUIRE(status.has_value());
    CHECK(status->describe() == exited_with(0));
}

TEST_CASE("after SIGTERM the host stops accepting new connections", "[integration][host][shutdown]")
{
    auto args = map_arg("/slow.dll", Built::slow);
    args.insert(args.end(), {"--admin", "127.0.0.1:0"});
    auto host = start_host(args);
    auto in_flight = std::async(std::launch::async, [&host] {
        auto client = client_for(*host);
        return client.get("/slow.dll?ms=1500").status;
    });
    REQUIRE(wait_for_requests_in_flight(*host, 1, std::chrono::seconds(5)));
    REQUIRE(host->terminate());
    // Well within the slow request's 1500 ms, a new connection finds no listener.
    const auto refused = [&] {
        try {
            HttpClient late(host->address(), host->port(), std::chrono::seconds(1));
            late.get("/slow.dll?ms=0");
            return false;
        } catch (const boost::system::system_error&) {
            return true;
        }
    };
    CHECK(wait_until(refused, std::chrono::milliseconds(1000)));
    CHECK(in_flight.get() == 200);
}

// The inline fast path (IoRunner): extension code may run on the I/O thread,
// but one that blocks there must not hold other connections up. Both ways:
// inline with a standby thread that takes the I/O over, and the pool only.
TEST_CASE("in process, an extension that blocks holds up no other connection, inline or on the pool",
          "[integration][host][inline]")
{
    for (const std::string budget : {"1000", "0"}) {
        INFO("--inline-budget-us " << budget);
        std::vector<std::string> args = {"--isolation", "inproc", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                                         "--log-level", "info", "--inline-budget-us", budget};
        for (auto [url, path] : {std::pair{"/hello.dll", Built::hello}, std::pair{"/slow.dll", Built::slow}}) {
            const auto map = map_arg(url, path);
            args.insert(args.end(), map.begin(), map.end());
        }
        const auto process = spawn_host(args);
        const HostProcess& host = *process;
        auto first = client_for(host);
        REQUIRE(first.get("/hello.dll").status == 200);

        auto in_flight = std::async(std::launch::async, [&host] { return client_for(host).get("/slow.dll?ms=1500"); });
        // The admin API has a thread of its own: it answers while slow holds the I/O thread.
        REQUIRE(wait_for_requests_in_flight(host, 1, std::chrono::seconds(5)));  // slow is running now
        const auto start = std::chrono::steady_clock::now();
        auto other = client_for(host);
        CHECK(other.get("/hello.dll").status == 200);
        // Well before slow's 1500 ms end, however loaded the machine.
        CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(900));
        CHECK(in_flight.get().status == 200);

        REQUIRE(process->terminate());
        const auto status = host.wait_exit(std::chrono::seconds(15));
        REQUIRE(status.has_value());
        CHECK_FALSE(status->signaled);
        const std::string log = host.output();
        INFO(log);
        if (budget == "0") {
            CHECK(log.find("inline fast path") == std::string::npos);
        } else {
            // slow ran on the I/O thread and had to be rescued (a preempted
            // hello may add a rescue of its own).
            const auto at = log.find("request(s) ran on the I/O thread; ");
            REQUIRE(at != std::string::npos);
            const std::string rescues = log.substr(at + 34, log.find(' ', at + 34) - at - 34);
            CHECK(std::stoi(rescues) >= 1);
        }
    }
}

// Responses may wait for the end of the I/O thread's batch (corking); with
// requests pipelined they must still go out in order, whoever writes next.
TEST_CASE("pipelined requests are answered in order, through a 404, a bad request and a close",
          "[integration][host][pipelining]")
{
    auto host = start_host_with_samples();
    SECTION("a kept-alive run that ends with Connection: close")
    {
        HttpClient client = client_for(*host);
        client.write_raw("GET /v1.dll HTTP/1.1\r\nHost: x\r\n\r\n"
                         "GET /hello.dll HTTP/1.1\r\nHost: x\r\n\r\n"
                         "GET /nothing-here.dll HTTP/1.1\r\nHost: x\r\n\r\n"
                         "GET /v2.dll HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        const auto first = client.read_response();
        CHECK(first.body == "version v1\n");
        CHECK(client.read_response().body == "Hello from ISAPI\n");
        CHECK(client.read_response().status == 404);
        const auto last = client.read_response();
        CHECK(last.body == "version v2\n");
        CHECK_FALSE(last.keep_alive);
    }
    SECTION("a malformed request after a good one")
    {
        HttpClient client = client_for(*host);
        client.write_raw("GET /v1.dll HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP AT ALL\r\n\r\n");
        CHECK(client.read_response().body == "version v1\n");
        CHECK(client.read_response().status == 400);
    }
}

// HSE_REQ_SEND_URL through the host: the internal request is served in
// process and its response becomes the outer one. Run inline, an internal
// request that goes PENDING (async) completes on the pool while the asking
// thread waits, having handed the I/O over.
TEST_CASE("SEND_URL serves an internal request, synchronous or PENDING, as the response",
          "[integration][host][send_url]")
{
    auto args = map_arg("/send_url.dll", ISAPI_TEST_SEND_URL);
    for (auto [url, path] : {std::pair{"/hello.dll", Built::hello}, std::pair{"/async.dll", Built::async}}) {
        const auto map = map_arg(url, path);
        args.insert(args.end(), map.begin(), map.end());
    }
    auto host = start_host(args);
    auto client = client_for(*host);
    const auto direct_hello = client.get("/hello.dll");
    const auto hello = client.get("/send_url.dll?/hello.dll");
    CHECK(hello.status == 200);
    CHECK(hello.body == direct_hello.body);
    const auto direct_async = client.get("/async.dll");
    const auto async = client.get("/send_url.dll?/async.dll");
    CHECK(async.status == 200);
    CHECK(async.body == direct_async.body);
    CHECK(client.get("/send_url.dll?/nothing-here.dll").status == 404);
    CHECK(client.connections_made() == 1);
}
