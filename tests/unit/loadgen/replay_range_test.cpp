// Replay files with numbers and times out of range: each bad line or entry is
// reported and skipped, the rest is replayed, and the schedule never wraps
// around (a wrapped offset would send every request at once).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/plan_builder.hpp"
#include "replay/readers.hpp"

using namespace isapi::loadgen;

namespace {

// A file for plan_for_replay, removed when the test ends.
struct TempFile {
    std::string path;
    TempFile(const std::string& name, const std::string& text)
        : path("/tmp/loadgen-range-" + std::to_string(::getpid()) + "-" + name) {
        std::ofstream(path) << text;
    }
    ~TempFile() { std::remove(path.c_str()); }
};

struct Planned {
    RunPlan plan;
    std::string diagnostics;
    std::size_t malformed = 0;
};

Planned plan_replay(const TempFile& file, double speed = 1.0) {
    ReplayOptions replay;
    replay.file = file.path;
    replay.target = "http://127.0.0.1:9";
    replay.speed = speed;
    std::ostringstream diagnostics;
    Planned p;
    p.plan = plan_for_replay(CommonOptions{}, replay, diagnostics, p.malformed);
    p.diagnostics = diagnostics.str();
    return p;
}

// Offsets from the first request, never negative, in order, and the loop
// period after the last one: what a schedule that did not wrap looks like.
void require_sane_schedule(const RunPlan& plan) {
    REQUIRE(plan.model == Model::open_replay);
    REQUIRE_FALSE(plan.offsets_ns.empty());
    CHECK(plan.offsets_ns.front() == 0);
    CHECK(std::is_sorted(plan.offsets_ns.begin(), plan.offsets_ns.end()));
    CHECK(plan.period_ns > plan.offsets_ns.back());
}

}  // namespace

TEST_CASE("a HAR entry with a number too large for a double is skipped, the others replayed", "[replay][har][range]") {
    // The wait is a 400-digit integer: beyond a double as much as 1e999.
    std::istringstream in(R"({"log": {"entries": [
      {"startedDateTime": "2026-11-25T12:00:00Z", "request": {"method": "GET", "url": "http://h/a"}},
      {"startedDateTime": "2026-11-25T12:00:01Z", "request": {"method": "GET", "url": "http://h/b", "bodySize": 1e999},
       "time": "1e999 in a string is only text"},
      {"startedDateTime": "2026-11-25T12:00:02Z", "request": {"method": "GET", "url": "http://h/c?n=1e999"},
       "timings": {"wait": -)" + std::string(400, '9') + R"(}},
      {"startedDateTime": "2026-11-25T12:00:03Z", "request": {"method": "GET", "url": "http://h/d"}, "time": 1e-999}
    ]}})");
    ReplaySource s;
    REQUIRE_NOTHROW(s = read_har(in, "big.har"));
    REQUIRE(s.entries.size() == 2);
    CHECK(s.entries[0].request.target == "/a");
    CHECK(s.entries[1].request.target == "/d");  // 1e-999 is merely 0
    REQUIRE(s.malformed.size() == 2);
    CHECK(s.malformed[0].describe() == "big.har: log.entries[1]: the number 1e999 in request.bodySize is out of range");
    CHECK(s.malformed[1].describe().find("big.har: log.entries[2]: the number -9999") == 0);
    CHECK(s.malformed[1].reason.find("in timings.wait is out of range") != std::string::npos);
}

TEST_CASE("a JSON line with a number too large for a double says so", "[replay][jsonl][range]") {
    std::istringstream in("{\"path\":\"/a\",\"offset_ms\":1e999}\n{\"path\":\"/b\",\"offset_ms\":5}\n");
    const ReplaySource s = read_jsonl(in, "r.jsonl");
    REQUIRE(s.entries.size() == 1);
    REQUIRE(s.malformed.size() == 1);
    CHECK(s.malformed[0].describe() == "r.jsonl:1: a number is out of range");
}

TEST_CASE("an offset_ms of 1e300 is reported and skipped, not sent at once with the rest", "[replay][jsonl][range]") {
    const TempFile file("huge.jsonl",
                        "{\"path\":\"/a\",\"offset_ms\":0}\n"
                        "{\"path\":\"/b\",\"offset_ms\":1e300}\n"
                        "{\"path\":\"/c\",\"offset_ms\":10}\n");
    const Planned p = plan_replay(file);
    CHECK(p.malformed == 1);
    CHECK(p.diagnostics.find("skipped " + file.path + ":2: the time is 3.17e+289 years from the file's median time; "
                             "at --speed 1 a replay spans at most 100 years, so this request is skipped, not moved") !=
          std::string::npos);
    REQUIRE(p.plan.templates.size() == 2);
    require_sane_schedule(p.plan);
    CHECK(p.plan.offsets_ns == std::vector<std::int64_t>{0, 10'000'000});
}

TEST_CASE("an IIS log line dated centuries away is skipped, the others keep their spacing", "[replay][w3c][range]") {
    // A broken clock wrote 1601 (the Windows epoch): 425 years before the
    // rest, more than 64-bit nanoseconds can hold.
    const TempFile file("u_ex.log",
                        "#Fields: date time cs-method cs-uri-stem\n"
                        "2026-11-25 13:00:00 GET /a\n"
                        "1601-01-01 00:00:00 GET /epoch\n"
                        "2026-11-25 13:00:02 GET /b\n"
                        "2026-11-25 13:00:01 GET /c\n"
                        "9999-12-31 23:59:59 GET /far\n");
    const Planned p = plan_replay(file);
    CHECK(p.malformed == 2);
    CHECK(p.diagnostics.find(file.path + ":3: the time is 426 years from the file's median time") != std::string::npos);
    CHECK(p.diagnostics.find(file.path + ":6: the time is 7.97e+03 years") != std::string::npos);
    REQUIRE(p.plan.templates.size() == 3);
    require_sane_schedule(p.plan);
    CHECK(p.plan.offsets_ns == std::vector<std::int64_t>{0, 1'000'000'000, 2'000'000'000});
}

TEST_CASE("a slow --speed stretches the span, and what no longer fits is skipped", "[replay][range]") {
    // Ten days apart is fine at --speed 1; at 1e-5 it is 2,700 years.
    const TempFile file("slow.jsonl",
                        "{\"path\":\"/a\",\"offset_ms\":0}\n"
                        "{\"path\":\"/b\",\"offset_ms\":1}\n"
                        "{\"path\":\"/c\",\"offset_ms\":864000000}\n");
    CHECK(plan_replay(file).malformed == 0);
    const Planned slow = plan_replay(file, 1e-5);
    CHECK(slow.malformed == 1);
    CHECK(slow.diagnostics.find(file.path + ":3: ") != std::string::npos);
    require_sane_schedule(slow.plan);
    CHECK(slow.plan.offsets_ns.back() == 100'000'000'000);  // 1 ms at 1e-5 is 100 s
}

TEST_CASE("a HAR entry dated centuries away is reported by its index", "[replay][har][range]") {
    const TempFile file("far.har", R"({"log": {"entries": [
      {"startedDateTime": "2026-11-25T12:00:00Z", "request": {"url": "http://h/a"}},
      {"startedDateTime": "0001-01-01T00:00:00Z", "request": {"url": "http://h/old"}},
      {"startedDateTime": "2026-11-25T12:00:00.5Z", "request": {"url": "http://h/b"}}
    ]}})");
    const Planned p = plan_replay(file);
    CHECK(p.malformed == 1);
    CHECK(p.diagnostics.find("skipped " + file.path + ": log.entries[1]: the time is 2.03e+03 years") !=
          std::string::npos);
    require_sane_schedule(p.plan);
    CHECK(p.plan.offsets_ns == std::vector<std::int64_t>{0, 500'000'000});
}
