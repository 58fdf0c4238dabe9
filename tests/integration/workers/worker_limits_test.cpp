// Limits of the worker-process pool over real HTTP: the shutdown time limit
// ends a worker that cannot drain (a stuck request), and the queue limit
// answers 503.
#include "worker_support.hpp"

#include <catch2/catch.hpp>

#include <boost/beast/core/error.hpp>
#include <boost/system/system_error.hpp>

#include <isapi/contract/host_contract.hpp>

#include <future>
#include <regex>

using namespace isapi::itest;
using namespace isapi::itest::workers;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> stuck_and_hello(std::vector<std::string> extra) {
    return args({map_arg("/stuck.dll", Built::stuck), map_arg("/hello.dll", Built::hello), std::move(extra)});
}

// GET /stuck.dll on its own connection: how it ended ("502", "closed", "timeout", ...).
std::string stuck_request(std::uint16_t port, std::chrono::milliseconds wait) {
    HttpClient client("127.0.0.1", port, wait);
    try {
        return std::to_string(client.get("/stuck.dll").status);
    } catch (const boost::system::system_error& error) {
        if (error.code() == boost::beast::error::timeout) return "timeout";
        return "closed (" + error.code().message() + ")";
    }
}

// Waits until a stuck request is running inside the extension of worker
// `generation`: stuck.so is not preloaded, so its load is the request's.
// (Counted in flight at the front end is not enough: a request still queued
// in the worker is not yet running.)
bool stuck_request_running(WorkerHost& host, std::uint64_t generation) {
    return host
        .wait_for_event([&](const auto& e) { return is_event(e, "module_load", generation) && text_of(e, "module") == "stuck.so"; },
                        std::chrono::seconds(3))
        .has_value();
}

}  // namespace

TEST_CASE("recycle with a stuck request: the old worker is ended at --shutdown-time-limit 300 with pending_at_unload, the new one serves meanwhile, the stuck client gets 502",
          "[integration][workers][shutdown-time-limit]") {
    WorkerHost host(stuck_and_hello({"--shutdown-time-limit", "300"}));
    const auto first = build_of(host.get("/hello.dll"));
    REQUIRE(first);
    auto stuck = std::async(std::launch::async, [port = host.port()] { return stuck_request(port, 5s); });
    REQUIRE(stuck_request_running(host, 1));

    const auto mark = host.last_event_seq();
    const auto recycled_at = std::chrono::steady_clock::now();
    REQUIRE(host.recycle("overlapped").status == 202);
    // New requests go to the new worker while the old one holds the stuck request.
    auto client = host.client();
    CHECK(wait_until([&] { return build_of(client.get("/hello.dll")).value_or(Build{}).generation == 2; }, 2s));
    // Still pending before the limit (checked only if we got here well before it).
    if (std::chrono::steady_clock::now() - recycled_at < 250ms) CHECK(stuck.wait_for(0ms) == std::future_status::timeout);

    const auto finding = host.wait_for_event([](const auto& e) {
        return is_event(e, "finding", 1) && text_of(e, "finding") == "pending_at_unload";
    }, 3s, mark);
    const auto ended = host.wait_for_event([](const auto& e) {
        return is_event(e, "worker_kill", 1) || is_event(e, "worker_exit", 1);
    }, 3s, mark);
    const auto took = std::chrono::steady_clock::now() - recycled_at;
    INFO(host.diagnostics());
    REQUIRE(finding);
    CHECK(text_of(*finding, "module").find("stuck.so") != std::string::npos);
    REQUIRE(ended);
    // Observed: the worker gives up by itself at the limit and exits with
    // code 3 (event worker_exit); the front end's kill (worker_kill) is the
    // backstop 250 ms later for a worker that cannot, see the drain fault test.
    if (is_event(*ended, "worker_exit"))
        CHECK(text_of(*ended, "detail").find("outlived the shutdown time limit") != std::string::npos);
    CHECK(took < 2s);
    CHECK_FALSE(process_alive(first->pid));
    const auto outcome = stuck.get();
    CHECK((outcome == "502" || outcome.starts_with("closed")));
    CHECK(build_of(host.get("/hello.dll")).value_or(Build{}).generation == 2);
    CHECK(metric(host.metrics(), "isapi_worker_crashes_total") == 0);
}

TEST_CASE("a clean SIGTERM after an earlier recycle ended a stuck worker exits 0 (nothing is running at shutdown)",
          "[integration][workers][shutdown-time-limit]") {
    WorkerHost host(stuck_and_hello({"--shutdown-time-limit", "300"}));
    REQUIRE(host.get("/hello.dll").status == 200);
    auto stuck = std::async(std::launch::async, [port = host.port()] { return stuck_request(port, 5s); });
    REQUIRE(stuck_request_running(host, 1));
    REQUIRE(host.recycle("overlapped").status == 202);
    REQUIRE(host.wait_for_event([](const auto& e) { return is_event(e, "worker_kill", 1) || is_event(e, "worker_exit", 1); }, 3s));
    stuck.get();
    REQUIRE(build_of(host.get("/hello.dll")).value_or(Build{}).generation == 2);
    REQUIRE(wait_until([&] { return metric(host.metrics(), "isapi_requests_in_flight") == 0; }, 3s));

    REQUIRE(host.process().terminate());
    const auto status = host.process().wait_exit(5s);
    INFO(host.process().output());
    REQUIRE(status);
    // Exit code 3 means "requests still running when the shutdown time limit
    // ran out"; none was.
    CHECK(status->describe() == exited_with(isapi::contract::exit_ok));
}

TEST_CASE("a queue limit of 2 (--queue-limit 2) with two stuck requests held open: the third request gets 503 and is counted",
          "[integration][workers][queue-limit]") {
    // Relayed, where --queue-limit bounds every request the front end holds;
    // with the hand-off it bounds those waiting for a pool thread, as in
    // process (docs/host.md, "Connection hand-off").
    WorkerHost host(
        stuck_and_hello({"--queue-limit", "2", "--shutdown-time-limit", "300", "--preload", "--no-handoff"}));
    HttpClient held_a("127.0.0.1", host.port(), 3s);
    HttpClient held_b("127.0.0.1", host.port(), 3s);
    held_a.write_raw("GET /stuck.dll?a HTTP/1.1\r\nHost: x\r\n\r\n");
    held_b.write_raw("GET /stuck.dll?b HTTP/1.1\r\nHost: x\r\n\r\n");
    REQUIRE(wait_until([&] { return metric(host.metrics(), "isapi_requests_in_flight") == 2; }, 3s));

    const auto third = host.get("/hello.dll");
    INFO(host.diagnostics());
    CHECK(third.status == 503);
    CHECK(third.body.find("queue") != std::string::npos);
    CHECK(metric(host.metrics(), "isapi_requests_total{status=\"503\"}") == 1);
    CHECK(host.process().running());
}

TEST_CASE("a worker whose only request slot is blocked stops answering pings, is recycled and killed (hang finding), and a new worker serves",
          "[integration][workers][ping]") {
    // One slot (--threads 1), pinged every 100 ms, hung after 200 ms without an
    // answer; slow.dll?ms=5000 blocks the slot in HttpExtensionProc.
    WorkerHost host(args({map_arg("/slow.dll", Built::slow), map_arg("/hello.dll", Built::hello),
                          {"--threads", "1", "--ping-interval", "100", "--ping-timeout", "200"}}));
    const auto first = build_of(host.get("/hello.dll"));
    REQUIRE(first);
    auto blocked = std::async(std::launch::async, [port = host.port()] {
        HttpClient client("127.0.0.1", port, 8s);
        try {
            return std::to_string(client.get("/slow.dll?ms=5000").status);
        } catch (const boost::system::system_error& error) {
            return "closed (" + error.code().message() + ")";
        }
    });

    const auto hang = host.wait_for_event([](const auto& e) { return is_event(e, "finding", 1) && text_of(e, "finding") == "hang"; }, 4s);
    INFO(host.diagnostics());
    REQUIRE(hang);
    // The evidence states the time that passed without an answer, then the limit.
    const std::string evidence = text_of(*hang, "detail");
    std::smatch silent;
    REQUIRE(std::regex_search(evidence, silent, std::regex(R"(no answer for (\d+) ms; ping timeout 200 ms)")));
    CHECK(std::stol(silent[1].str()) >= 200);
    CHECK(host.wait_for_event([](const auto& e) { return is_event(e, "worker_kill", 1); }, 2s));
    CHECK_FALSE(process_alive(first->pid));
    // Killed long before its 5 s request could end: the client gets 502.
    CHECK(blocked.get() == "502");
    const auto next = build_of(host.get("/hello.dll"));
    REQUIRE(next);
    CHECK(next->generation == 2);
}
