// isapi-host --handoff over real HTTP: the worker reads and answers the
// connections the front end passes it, with the same limits as the relay;
// a crash or a recycle moves a connection that sits between requests to the
// next worker without the client noticing, and what the worker served still
// reaches the front end's counters and access log.
#include "worker_support.hpp"

#include <catch2/catch.hpp>

#include <isapi/contract/host_contract.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <future>
#include <set>
#include <sstream>

using namespace isapi::itest;
using namespace isapi::itest::workers;
using namespace std::chrono_literals;

namespace {

long pid_of(const HttpResponse& response) { return build_of(response).value_or(Build{}).pid; }

std::vector<std::string> hello_and_echo(std::vector<std::string> extra) {
    return args({map_arg("/hello.dll", Built::hello), map_arg("/echo.dll", Built::echo), std::move(extra)});
}

std::vector<std::string> handoff(std::vector<std::string> extra = {}) {
    return hello_and_echo(args({{"--handoff"}, std::move(extra)}));
}

// A --handoff host with one more mapping, and a keep-alive connection that
// had one request answered, by worker `first`, which holds it now.
struct WithIdleConnection {
    explicit WithIdleConnection(std::vector<std::string> mapping)
        : host(handoff(std::move(mapping))), idle(host.client()), first(pid_of(idle.get("/hello.dll"))) {
        REQUIRE(first != 0);
        REQUIRE(worker_holds(1));
    }
    // Whether worker `first` holds `count` connections, within 2 s: the
    // front end relays a connection's first request and passes the
    // connection on right after its response.
    bool worker_holds(std::size_t count);
    // Has one request answered on `second` (a second connection), after
    // which worker `first` holds it too.
    void hand_second(HttpClient& second);
    // Hands `half` to worker `first` (hand_second), then sends the start of a header;
    // returns once the worker has read it and waits for the end, with the
    // connection still marked idle (no request held yet). Loopback delivers
    // a write before it returns, so an empty receive queue means the worker
    // has read the bytes.
    void send_half_header(HttpClient& half);
    WorkerHost host;
    HttpClient idle;
    long first;
};

// How many established TCP connections to `port` process `pid` holds: a
// handed connection is in the worker, a relayed one only in the front end.
std::size_t connections_held(long pid, std::uint16_t port) {
    std::set<std::string> inodes;
    std::ifstream tcp("/proc/net/tcp");
    char local_port[8];
    std::snprintf(local_port, sizeof local_port, ":%04X", port);
    for (std::string line; std::getline(tcp, line);) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
        fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
        if (local.ends_with(local_port) && state == "01") inodes.insert("socket:[" + inode + "]");
    }
    std::size_t held = 0;
    std::error_code ec;
    for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec))
        held += inodes.count(std::filesystem::read_symlink(fd.path(), ec).string());
    return held;
}

// Bytes waiting unread in the server side of the established connections to
// `port` (/proc/net/tcp's rx_queue).
std::size_t unread_at(std::uint16_t port) {
    std::ifstream tcp("/proc/net/tcp");
    char local_port[8];
    std::snprintf(local_port, sizeof local_port, ":%04X", port);
    std::size_t unread = 0;
    for (std::string line; std::getline(tcp, line);) {
        std::istringstream fields(line);
        std::string slot, local, remote, state, queues;
        fields >> slot >> local >> remote >> state >> queues;
        if (local.ends_with(local_port) && state == "01")
            unread += std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16);
    }
    return unread;
}

bool WithIdleConnection::worker_holds(std::size_t count) {
    return wait_until([&] { return connections_held(first, host.port()) == count; }, 2s);
}

void WithIdleConnection::hand_second(HttpClient& second) {
    REQUIRE(pid_of(second.get("/hello.dll")) == first);
    REQUIRE(worker_holds(2));
}

void WithIdleConnection::send_half_header(HttpClient& half) {
    hand_second(half);
    half.write_raw("GET /hello.dll HTTP/1.1\r\nHost: localhost\r\n");
    REQUIRE(wait_until([&] { return unread_at(host.port()) == 0; }, 2s));
}

// slow.so is not preloaded: its load event marks its first request as running.
bool slow_so_loaded(WorkerHost& host) {
    return host
        .wait_for_event([](const auto& e) { return is_event(e, "module_load", 1) && text_of(e, "module") == "slow.so"; },
                        3s)
        .has_value();
}

// Two responses on one connection: `before` from worker `first`, `after`
// from the worker it moved to.
void answered_then_moved(const HttpResponse& before, const HttpResponse& after, long first) {
    CHECK(before.status == 200);
    CHECK(pid_of(before) == first);
    CHECK(after.status == 200);
    CHECK(pid_of(after) != first);
    CHECK(pid_of(after) != 0);
}

// The access log's records (lines that are not # directives).
std::vector<std::string> log_records(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::vector<std::string> records;
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line[0] != '#') records.push_back(line);
    return records;
}

}  // namespace

TEST_CASE("handoff: GET, a 64 KiB POST, keep-alive and two pipelined requests are answered by the worker",
          "[integration][workers][handoff]") {
    WorkerHost host(handoff());
    auto client = host.client();
    const auto hello = client.get("/hello.dll");
    INFO(host.diagnostics());
    REQUIRE(hello.status == 200);
    CHECK(hello.body == "Hello from ISAPI\n");
    const long worker = pid_of(hello);
    CHECK(worker != 0);
    CHECK(worker != host.process().pid());

    // Larger than one socket read and than the preread an extension is given.
    HttpRequest post{"POST", "/echo.dll", {}, pattern_bytes(64 * 1024, 7), 0};
    const auto echoed = client.send(post);
    CHECK(echoed.status == 200);
    CHECK(echoed.body == post.body);
    for (int i = 0; i < 5; ++i) CHECK(client.get("/hello.dll?n=" + std::to_string(i)).status == 200);
    CHECK(client.connections_made() == 1);
    CHECK(connections_held(worker, host.port()) == 1);

    // Both requests in one write: the second is already buffered when the
    // first ends, and must be answered after it, on the same connection.
    auto pipelined = host.client();
    pipelined.write_raw("POST /echo.dll HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst"
                        "GET /hello.dll HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto one = pipelined.read_response();
    const auto two = pipelined.read_response();
    CHECK(one.status == 200);
    CHECK(one.body == "first");
    CHECK(two.status == 200);
    CHECK(two.body == "Hello from ISAPI\n");
    CHECK(pid_of(two) == worker);
}

TEST_CASE("handoff: the front end relays a connection's first request, and the worker takes the connection once it is kept open",
          "[integration][workers][handoff]") {
    WorkerHost host(handoff({map_arg("/slow.dll", Built::slow)}));
    auto client = host.client(5s);
    auto slow = std::async(std::launch::async, [&] { return client.get("/slow.dll?ms=500"); });
    REQUIRE(slow_so_loaded(host));
    const auto workers = host.status()["workers"];
    REQUIRE(workers.size() == 1);
    const long worker = workers[0]["pid"].get<long>();
    // While the worker runs the request, the connection is the front end's
    // alone: a connection that carries one request is cheaper relayed.
    CHECK(connections_held(worker, host.port()) == 0);
    CHECK(connections_held(host.process().pid(), host.port()) == 1);
    const auto first = slow.get();
    INFO(host.diagnostics());
    CHECK(first.status == 200);
    CHECK(pid_of(first) == worker);
    CHECK(wait_until([&] { return connections_held(worker, host.port()) == 1; }, 2s));
    const auto second = client.get("/hello.dll");
    CHECK(second.status == 200);
    CHECK(pid_of(second) == worker);
    CHECK(client.connections_made() == 1);

    // A connection the client ends with its first request stays relayed.
    auto once = host.client();
    const auto only = once.send(HttpRequest{"GET", "/hello.dll", {{"Connection", "close"}}, "", 0});
    CHECK(only.status == 200);
    CHECK(pid_of(only) == worker);
    CHECK_FALSE(only.keep_alive);
}

TEST_CASE("handoff: the HTTP limits apply in the worker, which answers as the relay does (431, 413)",
          "[integration][workers][handoff][limits]") {
    const auto answers = [](bool handed) {
        const std::vector<std::string> limits = {"--max-header-bytes", "8192", "--max-body-bytes", "1024"};
        WorkerHost host(handed ? handoff(limits) : hello_and_echo(limits));
        // The first request of a connection is relayed: each test request
        // is a second one, which a worker that was handed the connection reads.
        const auto first_request = [](HttpClient& client) { REQUIRE(client.get("/hello.dll").status == 200); };
        std::vector<unsigned> statuses;
        auto big_header = host.client();
        first_request(big_header);
        statuses.push_back(big_header.send({"GET", "/hello.dll", {{"X-Big", std::string(16 * 1024, 'h')}}, "", 0}).status);
        // Refused from the declared length, before any body byte is sent.
        auto big_body = host.client();
        first_request(big_body);
        big_body.write_raw("POST /echo.dll HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n");
        statuses.push_back(big_body.read_response().status);
        // At the limits: served.
        auto fits = host.client();
        first_request(fits);
        statuses.push_back(fits.send({"POST", "/echo.dll", {{"X-Small", std::string(1024, 'h')}}, std::string(1024, 'b'), 0}).status);
        return statuses;
    };
    const auto handed = answers(true);
    CHECK(handed == std::vector<unsigned>{431, 413, 200});
    CHECK(handed == answers(false));
}

TEST_CASE("handoff: a crash answers 502 to the request it held, and an idle keep-alive connection moves to the new worker",
          "[integration][workers][handoff][crash]") {
    WithIdleConnection setup(map_arg("/crash.dll", Built::crash));
    auto& [host, idle, first] = setup;
    // The client has the whole response a moment before the worker marks
    // the connection idle; a crash in between resets it (its response had
    // started, as far as the front end can tell). Counted means marked.
    REQUIRE(wait_until([&] { return metric(host.metrics(), "isapi_requests_total{status=\"200\"}") == 1; }, 2s));

    auto crashing = host.client();
    const auto crashed = crashing.get("/crash.dll?crash=1");
    INFO(host.diagnostics());
    CHECK(crashed.status == 502);
    CHECK(crashed.header("Connection").value_or("") == "close");
    CHECK_FALSE(crashed.keep_alive);
    REQUIRE(wait_until([&] { return !process_alive(first); }, 3s));

    // The idle connection was between requests: the front end passed it on,
    // to the new worker itself (not served by the front end from now on).
    const auto after = idle.get("/hello.dll");
    CHECK(after.status == 200);
    CHECK(idle.connections_made() == 1);
    const long second = pid_of(after);
    CHECK(second != 0);
    CHECK(second != first);
    CHECK(connections_held(second, host.port()) == 1);
    // And new connections are served.
    const auto fresh = host.get("/hello.dll");
    CHECK(fresh.status == 200);
    CHECK(pid_of(fresh) == second);
    CHECK(wait_until([&] { return metric(host.metrics(), "isapi_worker_crashes_total") == 1; }, 2s));
}

TEST_CASE("handoff: a connection the front end took in while the pool was stopped goes to a worker again once one serves",
          "[integration][workers][handoff][rapid-fail]") {
    WithIdleConnection setup(args({map_arg("/crash.dll", Built::crash), {"--rapid-fail", "2", "--rapid-fail-window", "60"}}));
    auto& [host, idle, first] = setup;
    // Each crash passes the idle connection on: to a second worker, then to
    // a third, which the pool, stopped by rapid-fail protection, retires
    // before it is ready; the connection waiting for it goes to the front end.
    CHECK(host.get("/crash.dll?crash=1").status == 502);
    REQUIRE(host.wait_for_event([](const auto& e) { return is_event(e, "worker_crash"); }, 3s));
    CHECK(host.get("/crash.dll?crash=1").status == 502);
    REQUIRE(host.wait_for_event([](const auto& e) { return is_event(e, "pool_stop"); }, 3s));
    REQUIRE(host.admin("POST", "/_isapi/reset").status == 202);

    // The front end relays the next request to the new worker, then hands
    // the connection over, rather than relaying it for good.
    const auto after = idle.get("/hello.dll");
    INFO(host.diagnostics());
    CHECK(after.status == 200);
    CHECK(idle.connections_made() == 1);
    const long third = pid_of(after);
    REQUIRE(third != 0);
    CHECK(third != first);
    CHECK(wait_until([&] { return connections_held(third, host.port()) == 1; }, 2s));
}

TEST_CASE("handoff: a crash while the worker has read half a request header answers 502 to that request too",
          "[integration][workers][handoff][crash]") {
    WithIdleConnection setup(map_arg("/crash.dll", Built::crash));
    auto& [host, idle, first] = setup;
    REQUIRE(wait_until([&] { return metric(host.metrics(), "isapi_requests_total{status=\"200\"}") == 1; }, 2s));

    auto half = host.client(2s);
    setup.send_half_header(half);

    CHECK(host.client().get("/crash.dll?crash=1").status == 502);
    // The bytes the dead worker read are gone from the socket: passed on,
    // the connection would wait in the next worker for a header that never
    // ends. The front end sees from the kernel's count that the worker had
    // read past its last request, and answers it.
    const auto answer = half.read_response();
    INFO(host.diagnostics());
    CHECK(answer.status == 502);
    CHECK_FALSE(answer.keep_alive);
    // The idle connection still moves on.
    CHECK(idle.get("/hello.dll").status == 200);
    CHECK(idle.connections_made() == 1);
}

TEST_CASE("handoff: a header half read when an overlapped recycle starts is answered by the old worker, and the connection then moves",
          "[integration][workers][handoff][recycle]") {
    WithIdleConnection setup(map_arg("/echo.dll", Built::echo));
    auto& [host, idle, first] = setup;
    auto half = host.client(3s);
    setup.send_half_header(half);

    // The parser has taken the request line out of the session's buffer, so
    // the connection cannot go back with every byte of the request: the old
    // worker keeps it until that request is answered, as it keeps a request
    // that is running. Given back mid-header, the new worker would see a
    // header without its request line (400).
    REQUIRE(host.recycle("overlapped").status == 202);
    REQUIRE(wait_until([&] { return pid_of(host.get("/hello.dll")) != first; }, 2s));
    half.write_raw("X-Rest: of the header\r\n\r\n");
    const auto answer = half.read_response();
    INFO(host.diagnostics());
    INFO(answer.body);
    // Then it goes back between requests, and on to the new worker.
    answered_then_moved(answer, half.get("/hello.dll"), first);
    CHECK(half.connections_made() == 1);
    CHECK(wait_until([&] { return !process_alive(first); }, 3s));
}

TEST_CASE("handoff: a request pipelined behind a slow one when an overlapped recycle starts goes to the new worker with its bytes",
          "[integration][workers][handoff][recycle]") {
    WithIdleConnection setup(map_arg("/slow.dll", Built::slow));
    auto& [host, idle, first] = setup;
    // Both requests in one write: the old worker reads the second with the
    // first, runs the first, and gives the connection back with the second's
    // bytes, which the front end passes to the new worker.
    auto client = host.client(5s);
    setup.hand_second(client);
    client.write_raw("GET /slow.dll?ms=600 HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /hello.dll HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(slow_so_loaded(host));
    REQUIRE(host.recycle("overlapped").status == 202);
    const auto slow = client.read_response();
    const auto next = client.read_response();
    INFO(host.diagnostics());
    answered_then_moved(slow, next, first);
    CHECK(client.connections_made() == 1);
}

TEST_CASE("handoff: an overlapped recycle hands idle connections and one that ran a slow request to the new worker",
          "[integration][workers][handoff][recycle]") {
    WithIdleConnection setup(map_arg("/slow.dll", Built::slow));
    auto& [host, idle, first] = setup;

    auto slow_client = host.client(5s);
    setup.hand_second(slow_client);
    auto slow = std::async(std::launch::async, [&] { return slow_client.get("/slow.dll?ms=800"); });
    REQUIRE(slow_so_loaded(host));

    REQUIRE(host.recycle("overlapped").status == 202);
    const auto slow_done = slow.get();
    INFO(host.diagnostics());
    CHECK(slow_done.status == 200);
    CHECK(slow_done.body == "slept 800 ms\n");
    CHECK(pid_of(slow_done) == first);

    // Once the old worker is gone, whatever it held was given back: both
    // connections, still open, are served by the new one.
    REQUIRE(wait_until([&] { return !process_alive(first); }, 5s));
    long second = 0;
    for (auto* client : {&idle, &slow_client}) {
        const auto next = client->get("/hello.dll");
        CHECK(next.status == 200);
        CHECK(client->connections_made() == 1);
        second = pid_of(next);
        CHECK(second != 0);
        CHECK(second != first);
    }
    CHECK(connections_held(second, host.port()) == 2);
    const auto metrics = host.metrics();
    CHECK(metric(metrics, "isapi_requests_total{status=\"502\"}") == 0);
    CHECK(metric(metrics, "isapi_requests_total{status=\"503\"}") == 0);
    CHECK(metric(metrics, "isapi_worker_crashes_total") == 0);
}

TEST_CASE("handoff: the admin counters and the access log see every request the worker served",
          "[integration][workers][handoff][access-log]") {
    TempDir scratch;
    const auto log_path = scratch.path() / "u_ex.log";
    WorkerHost host(handoff({"--access-log", log_path.string()}));
    auto client = host.client();
    constexpr int kServed = 6;
    for (int i = 0; i < kServed; ++i) REQUIRE(client.get("/hello.dll?n=" + std::to_string(i)).status == 200);
    REQUIRE(client.get("/nothing.dll").status == 404);

    // Reported in batches a few ms after each request: poll, bounded.
    const bool counted = wait_until(
        [&] {
            const auto m = host.metrics();
            return metric(m, "isapi_requests_total{status=\"200\"}") == kServed &&
                   metric(m, "isapi_requests_total{status=\"404\"}") == 1;
        },
        2s);
    INFO(host.metrics());
    CHECK(counted);
    const auto status = host.status();
    CHECK(status["counters"]["requests_total"] == kServed + 1);
    std::uint64_t served = 0;
    for (const auto& w : status["workers"]) served += w["requests_served"].get<std::uint64_t>();
    CHECK(served >= kServed);
    // The latency histogram too, from the worker's own measurement.
    std::istringstream lines(host.metrics());
    const std::string hello_count = "isapi_request_duration_seconds_count{mapping=\"/hello.dll\"";
    double timed = 0;
    for (std::string line; std::getline(lines, line);)
        if (line.starts_with(hello_count)) timed += std::stod(line.substr(line.rfind(' ') + 1));
    CHECK(timed == kServed);

    REQUIRE(wait_until([&] { return log_records(log_path).size() == kServed + 1; }, 2s));
    const auto records = log_records(log_path);
    std::ostringstream all;
    for (const auto& r : records) all << r << "\n";
    INFO(all.str());
    // One record per request. Not in the order sent: a record is made once
    // its response has gone out, as in process, and the host's own 404 for
    // the next request can be made first.
    const auto records_with = [&](const std::string& part) {
        return std::count_if(records.begin(), records.end(), [&](const auto& r) { return r.find(part) != std::string::npos; });
    };
    for (int i = 0; i < kServed; ++i) CHECK(records_with(" /hello.dll n=" + std::to_string(i) + " ") == 1);
    CHECK(records_with(" 200 0 0 ") == kServed);
    CHECK(records_with(" /nothing.dll - ") == 1);
    CHECK(records_with(" 404 0 2 ") == 1);
}

TEST_CASE("handoff: the command line refuses --handoff with --isolation inproc and with --tls-cert (exit code 2)",
          "[integration][workers][handoff][cli]") {
    TempDir scratch;
    const auto cert = scratch.write("cert.pem", "not read: the command line is refused first\n");
    const auto usage = "exited with code " + std::to_string(isapi::contract::exit_usage);
    CHECK_THROWS_WITH(spawn_host({"--isolation", "inproc", "--handoff", "--listen", "127.0.0.1:0", "--map",
                                  std::string("/hello.dll=") + Built::hello}),
                      Catch::Contains(usage) && Catch::Contains("--handoff"));
    CHECK_THROWS_WITH(spawn_host({"--isolation", "process", "--handoff", "--listen", "127.0.0.1:0", "--map",
                                  std::string("/hello.dll=") + Built::hello, "--tls-cert", cert.string(), "--tls-key",
                                  cert.string()}),
                      Catch::Contains(usage) && Catch::Contains("--handoff") && Catch::Contains("--tls-cert"));
}

TEST_CASE("handoff: worker processes are handed the connections by default, and --no-handoff keeps them in the front end",
          "[integration][workers][handoff][cli]") {
    {
        WorkerHost host(hello_and_echo({}));
        auto client = host.client();
        // The front end relays the first request, and the connection moves
        // to the worker once the response has left it open.
        const long worker = pid_of(client.get("/hello.dll"));
        INFO(host.diagnostics());
        REQUIRE(worker != 0);
        CHECK(wait_until([&] { return connections_held(worker, host.port()) == 1; }, 2s));
    }
    {
        WorkerHost host(hello_and_echo({"--no-handoff"}));
        auto client = host.client();
        const long worker = pid_of(client.get("/hello.dll"));
        INFO(host.diagnostics());
        REQUIRE(worker != 0);
        CHECK(connections_held(worker, host.port()) == 0);
        CHECK(connections_held(host.process().pid(), host.port()) == 1);
    }
    const auto usage = "exited with code " + std::to_string(isapi::contract::exit_usage);
    CHECK_THROWS_WITH(spawn_host({"--isolation", "inproc", "--no-handoff", "--listen", "127.0.0.1:0", "--map",
                                  std::string("/hello.dll=") + Built::hello}),
                      Catch::Contains(usage) && Catch::Contains("--no-handoff"));
    CHECK_THROWS_WITH(spawn_host({"--isolation", "process", "--handoff", "--no-handoff", "--listen", "127.0.0.1:0",
                                  "--map", std::string("/hello.dll=") + Built::hello}),
                      Catch::Contains(usage));
}

TEST_CASE("handoff: --io-threads sets a worker's I/O threads too, and with 2 it serves its handed connections",
          "[integration][workers][handoff]") {
    // One more I/O thread, one more thread in the worker (the rest is the same).
    const auto worker_threads = [](const std::string& io_threads) {
        WorkerHost host(handoff({"--io-threads", io_threads}));
        // The second request is the worker's own: its I/O threads run.
        auto client = host.client();
        REQUIRE(client.get("/hello.dll").status == 200);
        const long worker = pid_of(client.get("/hello.dll"));
        std::size_t threads = 0;
        for ([[maybe_unused]] const auto& task :
             std::filesystem::directory_iterator("/proc/" + std::to_string(worker) + "/task"))
            ++threads;
        return threads;
    };
    CHECK(worker_threads("3") == worker_threads("2") + 1);

    WorkerHost host(handoff({"--io-threads", "2"}));
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < 4; ++i) clients.push_back(std::make_unique<HttpClient>("127.0.0.1", host.port(), 5s));
    for (int round = 0; round < 3; ++round)
        for (auto& client : clients) {
            HttpRequest post{"POST", "/echo.dll", {}, pattern_bytes(10'000, round), 0};
            const auto echoed = client->send(post);
            INFO(host.diagnostics());
            REQUIRE(echoed.status == 200);
            CHECK(echoed.body == post.body);
        }
    const long worker = pid_of(clients.front()->get("/hello.dll"));
    CHECK(connections_held(worker, host.port()) == clients.size());
}
