// The swap's measures from hand-made request records: no sockets, no host.
#include <catch2/catch.hpp>

#include "swap/swap_analysis.hpp"
#include "swap/swap_report.hpp"

using namespace isapi::loadgen;

namespace {

constexpr std::int64_t kMs = 1'000'000;
const std::string kOld = "aaaaaaaaaaaa0000000000000000000000000000000000000000000000000000";
const std::string kNew = "bbbbbbbbbbbb0000000000000000000000000000000000000000000000000000";

SwapRequest answered(std::int64_t intended, std::int64_t latency, Answer a) {
    SwapRequest q;
    q.record.intended_ns = intended;
    q.record.sent_ns = intended;
    q.record.done_ns = intended + latency;
    q.record.status = 200;
    q.answer = a;
    return q;
}

SwapRequest failed(std::int64_t intended, std::int64_t latency, std::uint16_t status) {
    SwapRequest q = answered(intended, latency, Answer::failed);
    q.record.status = status;
    q.record.cls = ErrorClass::status_5xx;
    if (status / 100 == 4) q.record.cls = ErrorClass::status_4xx;
    q.failure = failure_class(q.record);
    return q;
}

// 1 request per ms for 300 ms; the swap runs from 100 to 150 ms and
// requests between 110 and 130 ms fail (404 then 500); the new build
// answers from 140 ms on.
std::vector<SwapRequest> rename_copy_run() {
    std::vector<SwapRequest> requests;
    for (std::int64_t t = 0; t < 300; ++t) {
        const std::int64_t at = t * kMs;
        if (t >= 110 && t < 120) requests.push_back(failed(at, kMs / 2, 404));
        else if (t >= 120 && t <= 130) requests.push_back(failed(at, kMs / 2, 500));
        else requests.push_back(answered(at, kMs / 2, t < 140 ? Answer::old_build : Answer::new_build));
    }
    return requests;
}

SwapTrace rename_copy_trace() {
    SwapTrace t;
    t.start_ns = 100 * kMs;
    t.window_start_ns = 109 * kMs + kMs / 2;
    t.window_end_ns = 130 * kMs + kMs / 2;
    t.end_ns = 150 * kMs;
    return t;
}

}  // namespace

TEST_CASE("failures are classed by what a swap means by them", "[swap]") {
    RequestRecord r;
    r.cls = ErrorClass::status_4xx;
    r.status = 404;
    CHECK(failure_class(r) == "module_missing");
    r.cls = ErrorClass::status_5xx;
    r.status = 500;
    CHECK(failure_class(r) == "module_unloadable");
    r.status = 502;
    CHECK(failure_class(r) == "worker_lost");
    r.status = 503;
    CHECK(failure_class(r) == "unavailable");
    r.status = 504;
    CHECK(failure_class(r) == "status_504");
    r.status = 0;
    r.cls = ErrorClass::reset;
    CHECK(failure_class(r) == "reset");
    r.cls = ErrorClass::ok;
    r.status = 200;
    CHECK(failure_class(r).empty());
}

TEST_CASE("answers are matched to the old and new build by the identity header's short hash", "[swap]") {
    RequestRecord ok;
    ok.status = 200;
    CHECK(build_hash("app.so; sha256=aaaaaaaaaaaa; pid=1; worker=1; load=1") == "aaaaaaaaaaaa");
    CHECK(classify_answer(ok, "app.so; sha256=aaaaaaaaaaaa; pid=1", kOld, kNew) == Answer::old_build);
    CHECK(classify_answer(ok, "app.so; sha256=bbbbbbbbbbbb; pid=9", kOld, kNew) == Answer::new_build);
    CHECK(classify_answer(ok, "app.so; sha256=cccccccccccc; pid=9", kOld, kNew) == Answer::other_build);
    CHECK(classify_answer(ok, "", kOld, kNew) == Answer::other_build);
    RequestRecord bad = ok;
    bad.cls = ErrorClass::status_5xx;
    CHECK(classify_answer(bad, "app.so; sha256=aaaaaaaaaaaa", kOld, kNew) == Answer::failed);
}

TEST_CASE("a rename-copy run yields its drops by class, window, outage, switchover and phases", "[swap]") {
    const SwapMeasures m = analyse_swap(rename_copy_run(), rename_copy_trace(), 10 * kMs);
    CHECK(m.sent == 300);
    CHECK(m.dropped == 21);
    CHECK(m.dropped_by_class.at("module_missing") == 10);
    CHECK(m.dropped_by_class.at("module_unloadable") == 11);
    CHECK(m.answered_old == 119);
    CHECK(m.answered_new == 160);
    CHECK(m.window_us == Approx(21'000));
    CHECK(m.implied_window_us == Approx(21'000));  // 20 ms from first to last failure's end, + 1 ms apart
    CHECK(m.outage_us == Approx(20'500));          // first failing send to the last failure's end
    CHECK(m.switchover_ms == Approx(40.5));        // 100 ms -> the first new answer at 140.5 ms
    CHECK(m.overlap_ms == 0);
    CHECK(m.before.count == 100);
    CHECK(m.during.count == 51);  // 100..150 ms
    CHECK(m.after.count == 149);
    CHECK(m.rate_before == Approx(1000));
    CHECK(m.min_rate_during == Approx(0));  // the 120..130 ms bucket had no answers
    CHECK(m.dip_percent == Approx(100));
    REQUIRE(m.timeline.size() == 30);
    CHECK(m.timeline[11].failed == 10);
    CHECK(m.timeline[14].new_build == 10);
}

TEST_CASE("both builds answering at once is the overlap, and an atomic swap has no window", "[swap]") {
    std::vector<SwapRequest> requests;
    for (std::int64_t t = 0; t < 100; ++t) requests.push_back(answered(t * kMs, kMs, t < 50 ? Answer::old_build : Answer::new_build));
    requests.push_back(answered(60 * kMs, kMs, Answer::old_build));  // an old worker draining, done at 61 ms
    SwapTrace trace;
    trace.start_ns = 40 * kMs;
    trace.end_ns = 45 * kMs;
    const SwapMeasures m = analyse_swap(requests, trace, 10 * kMs);
    CHECK(m.dropped == 0);
    CHECK(m.window_us == 0);
    CHECK(m.implied_window_us == -1);
    CHECK(m.switchover_ms == Approx(11));       // first new answer at 51 ms
    CHECK(m.overlap_ms == Approx(10));          // until the old one's answer at 61 ms
    CHECK(m.dip_percent == Approx(0));
}

TEST_CASE("a new build that never answers has no switchover", "[swap]") {
    std::vector<SwapRequest> requests{answered(0, kMs, Answer::old_build), answered(kMs, kMs, Answer::old_build)};
    SwapTrace trace;
    trace.start_ns = kMs / 2;
    CHECK(analyse_swap(requests, trace).switchover_ms == -1);
}

TEST_CASE("expectations (--expect) are parsed, checked against the measures, and refuse unknown metrics", "[swap]") {
    const SwapMeasures m = analyse_swap(rename_copy_run(), rename_copy_trace(), 10 * kMs);
    const SwapTrace trace = rename_copy_trace();
    const auto outcomes = evaluate_expectations(
        {parse_expectation("dropped=0"), parse_expectation("module_missing<=10"), parse_expectation("switchover_us<100000"),
         parse_expectation("rolled_back==0")},
        m, trace);
    REQUIRE(outcomes.size() == 4);
    CHECK_FALSE(outcomes[0].met);
    CHECK(outcomes[0].message == "dropped = 21, expected dropped=0");
    CHECK(outcomes[1].met);
    CHECK(outcomes[2].met);
    CHECK(outcomes[3].met);
    CHECK_THROWS_WITH(parse_expectation("drops=0"), Catch::Contains("unknown metric 'drops'"));
    CHECK_THROWS_WITH(parse_expectation("dropped"), Catch::Contains("is not METRIC OP VALUE"));
    CHECK_THROWS_WITH(parse_expectation("dropped<x"), Catch::Contains("'x' is not a number"));
}

TEST_CASE("swap --fail-if is met when its condition does not hold, with run's syntax", "[swap]") {
    const SwapMeasures m = analyse_swap(rename_copy_run(), rename_copy_trace(), 10 * kMs);
    const auto outcomes = evaluate_expectations({parse_expectation("dropped>0", true), parse_expectation("dropped>100", true)},
                                                m, rename_copy_trace());
    REQUIRE(outcomes.size() == 2);
    CHECK_FALSE(outcomes[0].met);
    CHECK(outcomes[0].message == "dropped = 21, expected not dropped>0");
    CHECK(outcomes[1].met);
    CHECK_THROWS_WITH(parse_expectation("drops>0", true), Catch::StartsWith("--fail-if 'drops>0'"));
}

TEST_CASE("a request's label is its method and path without the query", "[swap]") {
    CHECK(request_label("POST /app.dll/orders?id=7 HTTP/1.1\r\nHost: h\r\n\r\n") == "POST /app.dll/orders");
    CHECK(request_label("GET /app.dll HTTP/1.1\r\n\r\n") == "GET /app.dll");
}

TEST_CASE("a mix's requests are measured per URL, the most dropped first", "[swap]") {
    // Templates 0 and 2 share a URL (different queries); 1 is a POST.
    const std::vector<std::string> labels{"GET /app.dll/a", "POST /app.dll/b", "GET /app.dll/a"};
    std::vector<SwapRequest> requests;
    auto add = [&](std::uint32_t request, SwapRequest q) {
        q.record.request = request;
        requests.push_back(q);
    };
    for (int i = 0; i < 10; ++i) add(0, answered(i * kMs, kMs, Answer::old_build));
    for (int i = 0; i < 4; ++i) add(2, answered(i * kMs, kMs, Answer::new_build));
    add(2, failed(20 * kMs, kMs, 404));
    for (int i = 0; i < 3; ++i) add(1, failed(30 * kMs, kMs, 500));
    add(1, answered(40 * kMs, kMs, Answer::new_build));
    const auto urls = measures_by_url(requests, labels, 10);
    REQUIRE(urls.size() == 2);
    CHECK(urls[0].url == "POST /app.dll/b");
    CHECK(urls[0].sent == 4);
    CHECK(urls[0].dropped == 3);
    CHECK(urls[0].dropped_by_class.at("module_unloadable") == 3);
    CHECK(urls[1].url == "GET /app.dll/a");
    CHECK(urls[1].sent == 15);
    CHECK(urls[1].answered_old == 10);
    CHECK(urls[1].answered_new == 4);
    CHECK(urls[1].dropped_by_class.at("module_missing") == 1);
    CHECK(measures_by_url(requests, labels, 1).size() == 1);
}

TEST_CASE("equal drops rank the URL that lost the larger share first, and one URL gives no table", "[swap]") {
    const std::vector<std::string> labels{"GET /a", "GET /b"};
    std::vector<SwapRequest> requests;
    for (int i = 0; i < 9; ++i) requests.push_back(answered(i * kMs, kMs, Answer::old_build));
    requests.push_back(failed(10 * kMs, kMs, 404));  // /a: 1 of 10
    SwapRequest b = failed(11 * kMs, kMs, 404);       // /b: 1 of 2
    b.record.request = 1;
    requests.push_back(b);
    b = answered(12 * kMs, kMs, Answer::new_build);
    b.record.request = 1;
    requests.push_back(b);
    const auto urls = measures_by_url(requests, labels, 10);
    REQUIRE(urls.size() == 2);
    CHECK(urls[0].url == "GET /b");
    CHECK(measures_by_url(requests, {"GET /a", "GET /a"}, 10).empty());
}
