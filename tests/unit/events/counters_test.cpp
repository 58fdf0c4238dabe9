#include <events/request_counters.hpp>

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

using isapi::host::RequestCounters;

TEST_CASE("request counters count by status and track requests in flight", "[counters]") {
    RequestCounters counters;
    counters.begin();
    counters.begin();
    CHECK(counters.snapshot().in_flight == 2);
    counters.end(200);
    counters.answered(404);
    const auto s = counters.snapshot();
    CHECK(s.by_status[200] == 1);
    CHECK(s.by_status[404] == 1);
    CHECK(s.in_flight == 1);
    CHECK(s.total() == 2);
}

TEST_CASE("request counters put out-of-range statuses and no response under status 0", "[counters]") {
    RequestCounters counters;
    counters.answered(0);
    counters.answered(999);
    CHECK(counters.snapshot().by_status[0] == 2);
}

TEST_CASE("request counters add up increments from many threads", "[counters]") {
    RequestCounters counters;
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&counters] {
            for (int i = 0; i < 10'000; ++i) {
                counters.begin();
                counters.end(200);
            }
        });
    for (auto& t : threads) t.join();
    const auto s = counters.snapshot();
    CHECK(s.by_status[200] == 80'000);
    CHECK(s.in_flight == 0);
}
