#pragma once
// Small helpers shared by the loadgen tests: run a bounded load through the
// same plan builder the command line uses, and check the books balance.
#include <catch2/catch.hpp>

#include "cli/plan_builder.hpp"
#include "client/runner.hpp"

namespace isapi::loadgen::test {

inline CommonOptions bounded(std::uint64_t requests, unsigned connections = 1, unsigned threads = 1) {
    CommonOptions c;
    c.requests = requests;
    c.connections = connections;
    c.threads = threads;
    c.duration = "20s";   // a backstop: every test load is bounded in requests and time
    c.timeout = "5s";
    return c;
}

inline RunResult run_url(const std::string& url, const CommonOptions& common) {
    RunOptions run;
    run.url = url;
    return run_load(plan_for_run(common, run));
}

inline void require_books_balance(const RunResult& r) {
    const RunStats& s = r.stats;
    REQUIRE(s.sent() == s.answered() + s.dropped());
    std::uint64_t by_class = 0;
    for (auto c : all_classes()) by_class += s.count(c);
    REQUIRE(by_class == s.sent());
}

}  // namespace isapi::loadgen::test
