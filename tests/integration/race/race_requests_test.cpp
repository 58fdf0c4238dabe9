// What race sends and when, without a host: the default mix's methods and
// body sizes, how a replayed or templated request is aimed at a module, and
// the seeded phase schedule.
#include <catch2/catch.hpp>

#include <set>

#include "race/churn_schedule.hpp"
#include "client/aimed_requests.hpp"
#include "race/race_requests.hpp"

using namespace isapi::loadgen;

namespace {

constexpr std::size_t kPreload = 48 * 1024;  // the host's read-ahead of a body

}  // namespace

TEST_CASE("race's default mix holds bodiless GETs, POST bodies inside the preload and POST bodies past it",
          "[race][requests]") {
    const auto mix = race_default_requests();
    std::size_t gets = 0, small = 0, large = 0;
    for (const auto& r : mix) {
        if (r.method == "GET" && r.body.empty()) ++gets;
        if (r.method == "POST" && !r.body.empty() && r.body.size() < kPreload) ++small;
        if (r.method == "POST" && r.body.size() > kPreload) ++large;
    }
    CHECK(gets > 0);
    CHECK(small > 0);
    CHECK(large > 0);
    CHECK(gets + small + large == mix.size());
}

TEST_CASE("a request is aimed at a module's URL keeping what followed the extension's name and the query",
          "[race][requests]") {
    CHECK(aimed_target("/", "/race0.dll") == "/race0.dll");
    CHECK(aimed_target("/?race=1", "/race0.dll") == "/race0.dll?race=1");
    CHECK(aimed_target("/shop/cart.DLL/items/7?x=1", "/race2.dll") == "/race2.dll/items/7?x=1");
    CHECK(aimed_target("/a.dllx/b.dll?q", "/race1.dll") == "/race1.dll?q");
    CHECK(aimed_target("/static/page.html?p=2", "/race0.dll") == "/race0.dll?p=2");

    RequestSpec post;
    post.method = "POST";
    post.target = "/app.dll/form";
    post.body = "a=1";
    const auto templates = aimed_templates({post}, {"/race0.dll", "/race1.dll"}, "127.0.0.1:80");
    REQUIRE(templates.size() == 2);
    CHECK(templates[0].bytes.starts_with("POST /race0.dll/form HTTP/1.1\r\n"));
    CHECK(templates[1].bytes.starts_with("POST /race1.dll/form HTTP/1.1\r\n"));
    CHECK(templates[1].bytes.find("Content-Length: 3\r\n") != std::string::npos);
    CHECK(templates[1].bytes.ends_with("\r\n\r\na=1"));
}

TEST_CASE("the churn alternates seeded busy and quiescent phases, and a seed repeats its schedule",
          "[race][schedule]") {
    const std::int64_t settle = 5'000'000;
    ChurnPlanner a(ChurnSchedule::phases, 11, settle), b(ChurnSchedule::phases, 11, settle);
    std::set<bool> kinds;
    bool last = a.next_phase().busy;
    b.next_phase();
    std::set<std::int64_t> gaps;
    for (int i = 0; i < 20; ++i) {
        const ChurnPhase p = a.next_phase(), q = b.next_phase();
        CHECK(p.busy != last);  // they alternate
        last = p.busy;
        kinds.insert(p.busy);
        CHECK(p.busy == q.busy);
        CHECK(p.busy_ns == q.busy_ns);
        CHECK(p.quiet_requests == q.quiet_requests);
        if (p.busy) CHECK(p.busy_ns > 0);
        else CHECK(p.quiet_requests > 0);
        const auto gap = a.quiet_gap_ns();
        CHECK(gap == b.quiet_gap_ns());
        CHECK(gap >= 0);
        CHECK(gap <= settle);
        gaps.insert(gap);
    }
    CHECK(kinds.size() == 2);
    CHECK(gaps.count(settle) == 1);  // most gaps let the unload come first
    CHECK(gaps.size() > 1);          // some are shorter: the next load meets the unload

    ChurnPlanner busy(ChurnSchedule::busy, 3, settle), quiet(ChurnSchedule::quiescent, 3, settle);
    for (int i = 0; i < 5; ++i) {
        CHECK(busy.next_phase().busy);
        CHECK_FALSE(quiet.next_phase().busy);
    }
    CHECK(parse_churn_schedule("phases") == ChurnSchedule::phases);
    CHECK_FALSE(parse_churn_schedule("fast"));
}
