#include <events/event_log.hpp>
#include <events/event_recorder.hpp>

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

using namespace isapi::host;
using namespace std::chrono_literals;

namespace {

Event named(std::string module) {
    Event e;
    e.kind = EventKind::module_load;
    e.module = std::move(module);
    return e;
}

}  // namespace

TEST_CASE("the event log numbers events from 1 and timestamps them from the host start", "[events]") {
    const auto start = EventLog::Clock::now();
    EventLog log(10, start);
    CHECK(log.last_seq() == 0);
    CHECK(log.append(named("a.so"), start + 1500us) == 1);
    CHECK(log.append(named("b.so"), start + 3ms) == 2);
    const auto all = log.since(0);
    REQUIRE(all.size() == 2);
    CHECK(all[0].seq == 1);
    CHECK(all[0].module == "a.so");
    CHECK(all[0].since_start == 1500us);
    CHECK(all[1].since_start == 3000us);
    CHECK(all[1].wall_time.time_since_epoch().count() > 0);
}

TEST_CASE("the event log returns only events after the given sequence number", "[events]") {
    EventLog log(10);
    for (int i = 0; i < 5; ++i) log.append(named(std::to_string(i)));
    const auto later = log.since(3);
    REQUIRE(later.size() == 2);
    CHECK(later[0].seq == 4);
    CHECK(later[1].seq == 5);
    CHECK(log.since(5).empty());
    CHECK(log.since(99).empty());
    CHECK(log.since(~std::uint64_t{0}).empty());
    CHECK(log.since(0, 2).size() == 2);
}

TEST_CASE("a full event log drops the oldest events and keeps numbering", "[events]") {
    EventLog log(3);
    for (int i = 1; i <= 7; ++i) log.append(named(std::to_string(i)));
    CHECK(log.first_seq() == 5);
    CHECK(log.last_seq() == 7);
    const auto all = log.since(0);
    REQUIRE(all.size() == 3);
    CHECK(all[0].seq == 5);
    CHECK(all[0].module == "5");
    CHECK(all[2].seq == 7);
    CHECK(log.since(5).size() == 2);
}

TEST_CASE("the event log takes appends from many threads without losing or repeating numbers", "[events]") {
    EventLog log(100'000);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&log] {
            for (int i = 0; i < 1000; ++i) log.append(named("x"));
        });
    for (auto& t : threads) t.join();
    const auto all = log.since(0);
    REQUIRE(all.size() == 4000);
    for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i].seq == i + 1);
}

TEST_CASE("an event log needs room for one event", "[events]") { CHECK_THROWS(EventLog(0)); }

TEST_CASE("the recorder turns module events and findings into log entries and counts", "[events]") {
    EventLog log(100);
    LifecycleCounters counters;
    EventRecorder recorder(log, counters);
    recorder.module_event({ModuleEvent::Kind::loaded, "/m/v1.so", "v1.so", 1, "v1.so; sha256=abc", "desc", {}});
    recorder.module_event({ModuleEvent::Kind::load_failed, "/m/x.so", "x.so", 2, {}, {}, "no such file"});
    recorder.module_event({ModuleEvent::Kind::terminated, "/m/v1.so", "v1.so", 1, {}, {}, "MUST_UNLOAD"});
    recorder.module_event({ModuleEvent::Kind::unloaded, "/m/v1.so", "v1.so", 1, {}, {}, "left the process"});
    recorder.finding({"double_done", "v1.so", 1, std::chrono::steady_clock::now(), "second DONE_WITH_SESSION"});
    recorder.host_event(EventKind::host_stop, "stopped");

    const auto all = log.since(0);
    REQUIRE(all.size() == 6);
    CHECK(all[0].kind == EventKind::module_load);
    CHECK(all[0].identity == "v1.so; sha256=abc");
    CHECK(all[1].kind == EventKind::load_failure);
    CHECK(all[1].detail == "no such file");
    CHECK(all[2].kind == EventKind::terminate_extension);
    CHECK(all[3].kind == EventKind::module_unload);
    CHECK(all[4].kind == EventKind::finding);
    CHECK(all[4].finding == "double_done");
    CHECK(all[4].load_generation == 1);
    CHECK(all[5].kind == EventKind::host_stop);

    const auto counted = counters.snapshot();
    CHECK(counted.loads == 1);
    CHECK(counted.load_failures == 1);
    CHECK(counted.terminates == 1);
    CHECK(counted.unloads == 1);
    CHECK(counted.findings.at("double_done") == 1);
}
