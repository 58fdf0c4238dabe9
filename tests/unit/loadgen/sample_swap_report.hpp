#pragma once
// A swap report as a real run fills it (a rename-copy that dropped 10
// requests for want of a module, with its steps, timeline and an unmet
// --expect), for the tests of the swap's writers: the HTML and JSON unit
// tests and the JSON schema check (tests/schemas/report_samples.cpp).
#include <cstdint>

#include "swap/swap_report.hpp"

namespace isapi::loadgen {

inline SwapReport sample_swap_report() {
    SwapReport r;
    r.strategy = "rename-copy";
    r.mode = "uncached";
    r.recycle = "immediate";
    r.live_path = "/srv/<script>alert(1)</script>/app.so";
    r.old_file = "/tmp/v1/app.so";
    r.new_file = "/tmp/v2/app.so";
    r.old_sha256 = "3f2a9c1b7d04aa0000000000000000000000000000000000000000000000beef";
    r.new_sha256 = "9e8d7c6b5a41bb0000000000000000000000000000000000000000000000cafe";
    r.target = "http://127.0.0.1:8080/app.so?x=1&y=2";
    r.rate = 2000;
    r.copy_rate = 200 * 1024;

    auto& t = r.trace;
    const std::int64_t ms = 1'000'000;
    t.start_ns = 1000 * ms;
    t.window_start_ns = 1000 * ms;
    t.window_end_ns = 1050 * ms;
    t.end_ns = 1080 * ms;
    t.events = {{"rename", 1000 * ms, "app.so -> app.so.old"},
                {"copy_start", 1000 * ms + 10'000, ""},
                {"copy_end", 1050 * ms, ""},
                {"recycle_request", 1060 * ms, ""},
                {"first_new_response", 1070 * ms, ""},
                {"delete_old", 1080 * ms, "app.so.old"}};

    auto& m = r.measures;
    m.sent = 4000;
    m.answered_old = 2000;
    m.answered_new = 1990;
    m.dropped = 10;
    m.dropped_by_class = {{"module_missing", 7}, {"module_unloadable", 3}};
    // A mix of two URLs: the POST lost more.
    m.urls = {{"POST /app.so/orders", 1000, 495, 497, 8, {{"module_missing", 5}, {"module_unloadable", 3}}},
              {"GET /app.so/status", 3000, 1505, 1493, 2, {{"module_missing", 2}}}};
    m.window_us = 50'000;
    m.implied_window_us = 49'600;
    m.outage_us = 51'000;
    m.switchover_ms = 70;
    m.before = {2000, 800, 2'000, 4'000};
    m.during = {150, 900, 45'000, 60'000};
    m.after = {1850, 850, 2'100, 3'000};
    m.during_end_ns = 1200 * ms;
    m.rate_before = 2000;
    m.min_rate_during = 1400;
    m.dip_percent = 30;
    m.bucket_ns = 50 * ms;
    for (int i = 0; i < 40; ++i) {
        TimelineBucket b;
        b.start_ns = i * 50 * ms;
        const bool after = i > 21;
        b.old_build = after ? 0 : 100;
        b.new_build = after ? 100 : 0;
        b.failed = i == 20 ? 10 : 0;
        b.max_latency_us = i == 20 ? 60'000 : 3'000;
        m.timeline.push_back(b);
    }
    for (int i = 0; i < 400; ++i) {
        SwapPoint p;
        p.t_ns = i * 5 * ms;
        p.latency_us = 900 + i;
        p.answer = p.t_ns < 1070 * ms ? Answer::old_build : Answer::new_build;
        r.points.push_back(p);
    }
    r.points.push_back({1010 * ms, 150, Answer::failed, "module_missing"});
    r.points.push_back({1040 * ms, 300, Answer::failed, "module_unloadable"});
    r.points.push_back({1045 * ms, 250, Answer::failed, "reset"});  // only among the drawn points
    r.points.push_back({1110 * ms, 700, Answer::other_build, ""});

    Expectation e;
    e.text = "dropped=0";
    e.metric = "dropped";
    e.op = "=";
    r.expectations.push_back({e, 10, false, "dropped = 10, expected dropped=0"});
    r.load.threads = 2;
    r.load.connections = 8;
    return r;
}

}  // namespace isapi::loadgen
