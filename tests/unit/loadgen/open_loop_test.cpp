// Coordinated omission: a closed-loop client stops sending while the server
// stalls, so it never measures the stall. The open loop keeps every request's
// intended send time, and the corrected latency must show the stall.
#include <chrono>

#include "fault_server.hpp"
#include "test_helpers.hpp"

using namespace isapi::loadgen;
using namespace isapi::loadgen::test;

TEST_CASE("a 1 s server stall raises the corrected p99 and leaves the uncorrected p99 low", "[open-loop][slow]") {
    // 300 req/s for 3 s over 2 connections; the stall starts at request 300 (about 1 s in).
    FaultServer server(Fault::stall_once, std::chrono::milliseconds(0), 300);
    CommonOptions c;
    c.threads = 1;
    c.connections = 2;
    c.rate = 300;
    c.duration = "3s";
    c.timeout = "10s";
    const RunResult r = run_url(server.url(), c);
    require_books_balance(r);
    CHECK(r.stats.sent() == 900);
    CHECK(r.stats.count(ErrorClass::ok) == 900);
    const auto corrected_p99 = r.stats.corrected().percentile(99);
    const auto uncorrected_p99 = r.stats.uncorrected().percentile(99);
    INFO("corrected p99 " << corrected_p99 << " us, uncorrected p99 " << uncorrected_p99 << " us");
    CHECK(corrected_p99 >= 700'000);
    CHECK(uncorrected_p99 < 100'000);
    // Only the requests caught on the wire saw the stall from their actual send.
    CHECK(r.stats.uncorrected().max() >= 900'000);
}

TEST_CASE("an open loop at a constant rate sends exactly rate x duration requests", "[open-loop]") {
    FaultServer server(Fault::ok);
    CommonOptions c;
    c.threads = 2;
    c.connections = 4;
    c.rate = 400;
    c.duration = "1s";
    const RunResult r = run_url(server.url(), c);
    require_books_balance(r);
    CHECK(r.stats.sent() == 400);
    CHECK(r.achieved_rate == Approx(400).epsilon(0.05));
}

TEST_CASE("a ramp issues the number of requests under its rate curve", "[open-loop]") {
    FaultServer server(Fault::ok);
    CommonOptions c;
    c.threads = 1;
    c.connections = 4;
    c.stages = "500ms:400,500ms:400";  // 0 -> 400 in 0.5 s (100 requests), then 400 flat (200)
    const RunResult r = run_url(server.url(), c);
    require_books_balance(r);
    CHECK(r.stats.sent() >= 299);
    CHECK(r.stats.sent() <= 301);
}

TEST_CASE("an open loop bounded only by --requests lasts as long as those requests take", "[open-loop]") {
    const CommonOptions c = [] {
        CommonOptions o;
        o.rate = 2000;
        o.requests = 30000;
        return o;
    }();
    RunOptions run;
    run.url = "http://127.0.0.1:1/";
    const RunPlan plan = plan_for_run(c, run);
    CHECK(plan.model == Model::open_rate);
    CHECK(plan.schedule.duration_s() == Approx(15.0));
    CHECK(plan.max_requests == 30000);
}
