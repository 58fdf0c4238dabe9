// Worker crashes over real HTTP: a crashing extension costs only its own
// request (502), the next request gets a fresh worker, the admin API reports
// the crash, and rapid-fail protection stops the pool until it is reset.
#include "worker_support.hpp"

#include <catch2/catch.hpp>

using namespace isapi::itest;
using namespace isapi::itest::workers;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> crash_and_hello() {
    return args({map_arg("/crash.dll", Built::crash), map_arg("/hello.dll", Built::hello)});
}

}  // namespace

TEST_CASE("a worker SIGSEGV answers 502, the next request gets a new worker, and the crash is reported",
          "[integration][workers][crash]") {
    WorkerHost host(crash_and_hello());
    INFO("(host diagnostics are printed on failure below)");

    const auto before = host.get("/hello.dll");
    REQUIRE(before.status == 200);
    const auto first = build_of(before);
    REQUIRE(first);
    CHECK(first->generation == 1);
    CHECK(first->pid != host.process().pid());  // served by a worker, not the front end

    const auto crashed = host.get("/crash.dll?crash=1");
    CHECK(crashed.status == 502);
    CHECK(crashed.body.find("worker process") != std::string::npos);
    CHECK_FALSE(crashed.header("X-Isapi-Build"));

    // The very next request, sent at once, is served by a new worker.
    const auto after = host.get("/hello.dll");
    INFO(host.diagnostics());
    REQUIRE(after.status == 200);
    const auto second = build_of(after);
    REQUIRE(second);
    CHECK(second->pid != first->pid);
    CHECK(second->generation > first->generation);
    CHECK_FALSE(process_alive(first->pid));

    const auto crash = host.wait_for_event([&](const auto& e) { return is_event(e, "worker_crash", first->generation); }, 3s);
    REQUIRE(crash);
    CHECK((*crash)["worker_pid"] == first->pid);
    CHECK(text_of(*crash, "detail").find("SIGSEGV") != std::string::npos);
    CHECK(text_of(*crash, "detail").find("GET /crash.dll?crash=1") != std::string::npos);
    CHECK(wait_until([&] { return metric(host.metrics(), "isapi_worker_crashes_total") == 1; }, 3s));
    CHECK(metric(host.metrics(), "isapi_requests_total{status=\"502\"}") == 1);
    CHECK(host.process().running());
}

TEST_CASE("a worker that calls exit(7) is reported as exited with code 7 and the host keeps serving",
          "[integration][workers][crash]") {
    WorkerHost host(crash_and_hello());
    const auto dying = host.get("/crash.dll?exit=7");
    CHECK(dying.status == 502);
    const auto crash = host.wait_for_event([](const auto& e) { return is_event(e, "worker_crash"); }, 3s);
    INFO(host.diagnostics());
    REQUIRE(crash);
    CHECK(text_of(*crash, "detail").find("exited with code 7") != std::string::npos);
    const auto next = host.get("/hello.dll");
    CHECK(next.status == 200);
    CHECK(build_of(next).value_or(Build{}).generation == 2);
    CHECK(wait_until([&] { return metric(host.metrics(), "isapi_worker_crashes_total") == 1; }, 3s));
}

TEST_CASE("a crash under concurrent load answers every request: 502 for the lost ones, 200 for the rest, none hangs",
          "[integration][workers][crash]") {
    WorkerHost host(args({crash_and_hello(), {"--preload"}}));
    // Three keep-alive connections keep sending while the worker is crashed
    // three times; a request the host never answers shows up as a client
    // timeout (2 s) and as a request left in flight.
    LoadDriver load(host, "/hello.dll", 3, 100000, 8s, 2s);
    const auto total = [&load] {
        std::size_t n = 0;
        for (const auto& seen : load.snapshot()) n += seen.size();
        return n;
    };
    for (int i = 0; i < 3; ++i) {
        const auto before = total();
        wait_until([&] { return total() >= before + 30; }, 3s);
        CHECK(host.get("/crash.dll?crash=1").status == 502);
    }
    const auto after = total();
    wait_until([&] { return total() >= after + 30; }, 3s);
    load.stop();
    CHECK(wait_until([&] { return metric(host.metrics(), "isapi_worker_crashes_total") == 3; }, 3s));
    // Every client is gone: nothing may still be in flight.
    const bool nothing_in_flight = wait_until([&] { return metric(host.metrics(), "isapi_requests_in_flight") == 0; }, 2s);
    INFO(host.diagnostics());
    INFO("isapi_requests_in_flight " << metric(host.metrics(), "isapi_requests_in_flight"));
    // A request whose response bytes had gone out when the worker died ends
    // with a cut connection (documented); one that gets no answer at all
    // ends with the client's timeout: that must never happen.
    std::size_t answered = 0, cut = 0, timed_out = 0, total_seen = 0;
    std::string connections;
    for (const auto& seen : load.snapshot()) {
        connections += "connection: " + describe(seen) + "\n";
        total_seen += seen.size();
        answered += count_if(seen, [](const auto& o) { return o.status == 200 || o.status == 502; });
        cut += count_if(seen, [](const auto& o) { return o.status == 0 && !o.timed_out; });
        timed_out += count_if(seen, [](const auto& o) { return o.timed_out; });
    }
    INFO(connections);
    CHECK(timed_out == 0);
    CHECK(answered + cut + timed_out == total_seen);
    CHECK(cut <= 3 * 3);  // at most one per connection and crash
    CHECK(nothing_in_flight);
}

TEST_CASE("rapid-fail: two crashes within the window stop the pool (503 naming rapid-fail) until POST /_isapi/reset",
          "[integration][workers][crash][rapid-fail]") {
    WorkerHost host(args({crash_and_hello(), {"--rapid-fail", "2", "--rapid-fail-window", "60"}}));
    REQUIRE(host.get("/hello.dll").status == 200);
    CHECK(host.get("/crash.dll?crash=1").status == 502);
    // A single crash does not stop the pool.
    REQUIRE(host.wait_for_event([](const auto& e) { return is_event(e, "worker_crash"); }, 3s));
    CHECK(host.get("/hello.dll").status == 200);
    CHECK(host.get("/crash.dll?crash=1").status == 502);

    const auto stop = host.wait_for_event([](const auto& e) { return is_event(e, "pool_stop"); }, 3s);
    INFO(host.diagnostics());
    REQUIRE(stop);
    CHECK(text_of(*stop, "detail").find("rapid-fail") != std::string::npos);

    const auto refused = host.get("/hello.dll");
    CHECK(refused.status == 503);
    CHECK(refused.body.find("rapid-fail") != std::string::npos);
    CHECK(host.status()["pool"].get<std::string>().find("stopped") == 0);
    // A recycle cannot restart a stopped pool; only reset can.
    CHECK(host.recycle("overlapped").status == 409);

    const auto reset = host.admin("POST", "/_isapi/reset");
    CHECK(reset.status == 202);
    const auto served = host.get("/hello.dll");
    CHECK(served.status == 200);
    CHECK(build_of(served).value_or(Build{}).generation == 3);
    CHECK(host.wait_for_event([](const auto& e) { return is_event(e, "pool_reset"); }, 3s));
    // Resetting a running pool is refused.
    CHECK(host.admin("POST", "/_isapi/reset").status == 409);
}

TEST_CASE("HSE_REQ_REPORT_UNHEALTHY from an extension recycles the serving worker once, without a failed request",
          "[integration][workers][unhealthy]") {
    WorkerHost host(args({map_arg("/crash.dll", Built::crash), map_arg("/hello.dll", Built::hello), {"--preload"}}));
    const auto first = build_of(host.get("/hello.dll"));
    REQUIRE(first);
    // Asked twice by one worker: one recycle. The new worker can take over
    // within milliseconds; a second ask that reaches it is its own, and
    // recycles it in turn.
    const auto asked = host.get("/crash.dll?unhealthy=cache%20corrupt");
    const auto asked_again = host.get("/crash.dll?unhealthy=again");
    CHECK(asked.status == 200);
    CHECK(asked_again.status == 200);
    const bool one_worker_asked = build_of(asked_again).value_or(Build{}).pid == first->pid;
    const auto recycle = host.wait_for_event([](const auto& e) { return is_event(e, "recycle", 1); }, 3s);
    INFO(host.diagnostics());
    REQUIRE(recycle);
    CHECK(text_of(*recycle, "detail").find("crash.so reported unhealthy: cache corrupt") != std::string::npos);
    const unsigned last = one_worker_asked ? 2 : 3;
    CHECK(wait_until([&] { return build_of(host.get("/hello.dll")).value_or(Build{}).generation == last; }, 3s));
    CHECK(metric(host.metrics(), "isapi_recycles_total") == last - 1);
}
