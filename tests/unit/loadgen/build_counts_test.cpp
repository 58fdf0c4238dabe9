// Responses per build stay bounded however many loads answer: uncached mode
// names a new load generation on every response.
#include <string>

#include <catch2/catch.hpp>

#include "stats/build_counts.hpp"

using namespace isapi::loadgen;

namespace {
std::string identity(const std::string& hash, int pid, int worker, int load) {
    return "app.so; sha256=" + hash + "; pid=" + std::to_string(pid) + "; worker=" + std::to_string(worker) +
           "; load=" + std::to_string(load);
}
}  // namespace

TEST_CASE("an X-Isapi-Build value splits into the build and its pid, worker and load", "[stats][builds]") {
    const auto id = parse_build_identity("version_v1.so; sha256=3f2a9c1b7d04; pid=1234; worker=2; load=37");
    CHECK(id.file_and_hash == "version_v1.so; sha256=3f2a9c1b7d04");
    CHECK(id.has_worker);
    CHECK(id.pid == 1234);
    CHECK(id.worker == 2);
    CHECK(id.load == 37);
    // Another server's value is all build.
    const auto other = parse_build_identity(" nginx-build-7; load=x ");
    CHECK(other.file_and_hash == "nginx-build-7; load=x");
    CHECK_FALSE(other.has_worker);
}

TEST_CASE("a new load per response keeps one build and one worker with the range of loads", "[stats][builds]") {
    BuildCounts counts;
    for (int load = 1; load <= 20000; ++load) counts.add(identity("aaaaaaaaaaaa", 77, 1, load));
    counts.add(identity("bbbbbbbbbbbb", 78, 2, 5));
    REQUIRE(counts.size() == 2);
    const BuildCount& old_build = counts.builds()[0];
    CHECK(old_build.build == "app.so; sha256=aaaaaaaaaaaa");
    CHECK(old_build.responses == 20000);
    REQUIRE(old_build.workers.size() == 1);
    CHECK(old_build.workers[0].pid == 77);
    CHECK(old_build.workers[0].first_load == 1);
    CHECK(old_build.workers[0].last_load == 20000);
    CHECK(counts.builds()[1].workers[0].worker == 2);
}

TEST_CASE("builds and workers past their bounds are counted, not kept", "[stats][builds]") {
    BuildCounts counts;
    for (std::size_t pid = 1; pid <= BuildCounts::kMaxWorkers + 5; ++pid)
        counts.add(identity("aaaaaaaaaaaa", static_cast<int>(pid), 1, 1));
    for (std::size_t i = 0; i < BuildCounts::kMaxBuilds + 10; ++i) counts.add("server-build-" + std::to_string(i));
    REQUIRE(counts.size() == BuildCounts::kMaxBuilds + 1);
    CHECK(counts.builds()[0].workers.size() == BuildCounts::kMaxWorkers);
    CHECK(counts.builds()[0].other_worker_responses == 5);
    CHECK(counts.builds().back().build == BuildCounts::kOtherBuilds);
    CHECK(counts.builds().back().responses == 11);
}

TEST_CASE("merging per-thread counts adds responses and widens load ranges", "[stats][builds]") {
    BuildCounts a, b;
    a.add(identity("aaaaaaaaaaaa", 7, 1, 3), 4);
    b.add(identity("aaaaaaaaaaaa", 7, 1, 9), 2);
    b.add(identity("aaaaaaaaaaaa", 8, 1, 1));
    a.merge(b);
    REQUIRE(a.size() == 1);
    CHECK(a.builds()[0].responses == 7);
    REQUIRE(a.builds()[0].workers.size() == 2);
    CHECK(a.builds()[0].workers[0].responses == 6);
    CHECK(a.builds()[0].workers[0].first_load == 3);
    CHECK(a.builds()[0].workers[0].last_load == 9);
}
