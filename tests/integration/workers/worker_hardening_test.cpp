// Worker-process mode against clients and extensions that misbehave on
// purpose: slow uploads must cost only their own requests, requests that
// never end must not keep a recycle from serving, and rapid-fail protection
// must leave no worker serving.
#include "worker_support.hpp"

#include <catch2/catch.hpp>

#include <boost/system/system_error.hpp>

#include <memory>
#include <thread>

using namespace isapi::itest;
using namespace isapi::itest::workers;
using namespace std::chrono_literals;

namespace {

// What the front end reads of a body before it hands the request on (IIS's
// UploadReadAheadSize default).
constexpr std::size_t kReadAhead = 48 * 1024;

// POST /echo.dll that sends its header and `first` body bytes at once (so
// the front end's read-ahead is full and the request reaches the extension,
// which then waits in ReadClient), and the rest whenever the test says.
class SlowUpload {
public:
    SlowUpload(std::uint16_t port, std::size_t length, std::size_t first) : client_("127.0.0.1", port, 5s) {
        client_.connect();
        client_.write_raw("POST /echo.dll HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(length) +
                          "\r\n\r\n" + std::string(first, 'u'));
    }
    void send(std::size_t bytes) { client_.write_raw(std::string(bytes, 'u')); }
    HttpResponse response() { return client_.read_response(); }

private:
    HttpClient client_;
};

// The status of GET `target` on a fresh connection, or 0 when no answer came within `limit`.
unsigned status_within(const WorkerHost& host, const std::string& target, std::chrono::milliseconds limit) {
    try {
        auto client = host.client(limit);
        return client.get(target).status;
    } catch (const boost::system::system_error&) {
        return 0;
    }
}

std::size_t workers_in_state(const nlohmann::json& status, const std::string& state) {
    std::size_t n = 0;
    for (const auto& w : status["workers"]) n += w["state"] == state ? 1 : 0;
    return n;
}

}  // namespace

TEST_CASE("ten uploads trickling into a reading extension hold no other request: each request meanwhile is answered within 1 s, and every upload is answered in full",
          "[integration][workers][slow-client]") {
    // Eight request slots for ten uploads; pinged every 100 ms, so a worker
    // whose slots all waited on the network would be called hung within
    // 300 ms and killed with the uploads in it.
    WorkerHost host(args({map_arg("/echo.dll", Built::echo), map_arg("/hello.dll", Built::hello),
                          {"--threads", "8", "--preload", "--ping-interval", "100", "--ping-timeout", "200"}}));
    const auto first = build_of(host.get("/hello.dll"));
    REQUIRE(first);

    constexpr std::size_t kUploads = 10, kRounds = 4, kRest = 60;
    const std::size_t length = kReadAhead + kRounds + kRest;
    std::vector<std::unique_ptr<SlowUpload>> uploads;
    for (std::size_t i = 0; i < kUploads; ++i)
        uploads.push_back(std::make_unique<SlowUpload>(host.port(), length, kReadAhead));
    REQUIRE(wait_until([&] { return metric(host.metrics(), "isapi_requests_in_flight") == kUploads; }, 3s));

    for (std::size_t round = 0; round < kRounds; ++round) {
        const auto round_start = std::chrono::steady_clock::now();
        for (auto& upload : uploads) upload->send(1);
        const unsigned status = status_within(host, "/hello.dll", 1s);
        INFO("round " << round);
        CHECK(status == 200);
        // The uploads' own pace (a byte per 250 ms), not a wait for the host.
        std::this_thread::sleep_until(round_start + 250ms);
    }
    for (auto& upload : uploads) upload->send(kRest);
    std::size_t echoed = 0;
    for (auto& upload : uploads) {
        try {
            const auto response = upload->response();
            echoed += response.status == 200 && response.header("X-Echo-Bytes") == std::to_string(length) ? 1 : 0;
        } catch (const boost::system::system_error&) {
        }
    }
    INFO(host.diagnostics());
    CHECK(echoed == kUploads);
    CHECK(metric(host.metrics(), "isapi_requests_total{status=\"502\"}") == 0);
    const auto events = host.events();
    CHECK(std::none_of(events.begin(), events.end(), [](const auto& e) { return is_event(e, "worker_kill"); }));
    CHECK(build_of(host.get("/hello.dll")).value_or(Build{}).generation == 1);
}

TEST_CASE("a full queue of requests that never end, whose clients left: an immediate recycle serves from a new worker at once, while the old one drains",
          "[integration][workers][queue-limit][recycle]") {
    // The old worker may drain for 4 s: longer than the test waits for the new one.
    WorkerHost host(args({map_arg("/stuck.dll", Built::stuck), map_arg("/hello.dll", Built::hello),
                          {"--queue-limit", "20", "--shutdown-time-limit", "4000", "--preload"}}));
    const auto first = build_of(host.get("/hello.dll"));
    REQUIRE(first);
    {
        std::vector<std::unique_ptr<HttpClient>> clients;
        for (int i = 0; i < 20; ++i) {
            clients.push_back(std::make_unique<HttpClient>("127.0.0.1", host.port(), 3s));
            // A first request, relayed, and the connection is the worker's.
            REQUIRE(clients.back()->get("/hello.dll").status == 200);
            clients.back()->write_raw("GET /stuck.dll?n=" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        REQUIRE(wait_until([&] { return metric(host.metrics(), "isapi_requests_in_flight") == 20; }, 3s));
    }  // the clients go

    REQUIRE(host.recycle("immediate").status == 202);
    HttpResponse served;
    const bool from_new_worker = wait_until(
        [&] {
            served = host.get("/hello.dll", 1s);
            return served.status == 200 && build_of(served).value_or(Build{}).generation == 2;
        },
        2s);
    const auto status = host.status();
    INFO(host.diagnostics() << status.dump(2) << "last answer: " << served.status << " " << served.body);
    CHECK(from_new_worker);
    // The old worker still holds its requests that never end, drains, and
    // takes no request; the queue is the new worker's alone.
    CHECK(process_alive(first->pid));
    CHECK(workers_in_state(status, "serving") == 1);
    CHECK(workers_in_state(status, "draining") == 1);
    std::size_t answered = 0;
    for (int i = 0; i < 25; ++i) answered += status_within(host, "/hello.dll", 1s) == 200 ? 1 : 0;
    CHECK(answered == 25);
}

TEST_CASE("rapid-fail stopping the pool during a recycle ends the old worker too: none alive or serving",
          "[integration][workers][rapid-fail]") {
    // Worker 2 (the recycle's) dies in GetExtensionVersion while preloading:
    // one crash, and --rapid-fail 1 stops the pool.
    ScopedEnv faults("ISAPI_WORKER_FAULTS", "2:dies_at_load");
    WorkerHost host(args({map_arg("/alive.dll", ISAPI_TEST_DIES_AT_LOAD),
                          {"--preload", "--rapid-fail", "1", "--rapid-fail-window", "60"}}));
    const auto answer = host.get("/alive.dll");
    INFO("first answer: " << answer.status << " " << answer.body << host.diagnostics());
    const auto first = build_of(answer);
    REQUIRE(first);
    REQUIRE(first->generation == 1);

    const auto recycled = host.recycle("overlapped");
    INFO("recycle: " << recycled.status << " " << recycled.body);
    REQUIRE(recycled.status == 202);
    REQUIRE(host.wait_for_event([](const auto& e) { return is_event(e, "pool_stop"); }, 3s));
    const bool gone = wait_until([&] { return !process_alive(first->pid); }, 3s);
    const auto status = host.status();
    INFO(host.diagnostics() << status.dump(2));
    CHECK(gone);
    CHECK(workers_in_state(status, "serving") == 0);
    CHECK(status["pool"].get<std::string>().find("stopped") == 0);
    const auto refused = host.get("/alive.dll");
    CHECK(refused.status == 503);
    CHECK(refused.body.find("rapid-fail") != std::string::npos);
}

TEST_CASE("requests that never end free their queue slots once their clients leave, with no recycle",
          "[integration][workers][queue-limit][client-gone]") {
    // Relayed: the front end's queue slots (with the hand-off, --queue-limit
    // bounds the worker's pool queue, which a running request has left).
    WorkerHost host(args({map_arg("/stuck.dll", Built::stuck), map_arg("/hello.dll", Built::hello),
                          {"--queue-limit", "20", "--shutdown-time-limit", "2000", "--preload", "--no-handoff"}}));
    REQUIRE(host.get("/hello.dll").status == 200);
    {
        std::vector<std::unique_ptr<HttpClient>> clients;
        for (int i = 0; i < 20; ++i) {
            clients.push_back(std::make_unique<HttpClient>("127.0.0.1", host.port(), 3s));
            // A first request, relayed, and the connection is the worker's.
            REQUIRE(clients.back()->get("/hello.dll").status == 200);
            clients.back()->write_raw("GET /stuck.dll?n=" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        REQUIRE(wait_until([&] { return metric(host.metrics(), "isapi_requests_in_flight") == 20; }, 3s));
        // While the clients wait, the queue is full.
        CHECK(status_within(host, "/hello.dll", 1s) == 503);
    }  // the clients go
    const bool served = wait_until([&] { return status_within(host, "/hello.dll", 1s) == 200; }, 2s);
    INFO(host.diagnostics() << host.status().dump(2));
    CHECK(served);
    std::size_t answered = 0;
    for (int i = 0; i < 25; ++i) answered += status_within(host, "/hello.dll", 1s) == 200 ? 1 : 0;
    CHECK(answered == 25);
}
