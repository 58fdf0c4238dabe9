#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

#include "report/run_html.hpp"
#include "stats/time_series.hpp"

using namespace isapi::loadgen;

namespace {

// A synthetic run: `seconds` of 200 answered requests a second, latency
// 1..4 ms with a 250 ms outlier each second, and 5 refused a second from
// the third second on.
RunResult synthetic_run(int seconds) {
    RunResult r;
    r.threads = 2;
    r.connections = 8;
    r.elapsed_s = seconds;
    for (int s = 0; s < seconds; ++s) {
        for (int i = 0; i < 200; ++i) {
            RequestRecord q;
            q.intended_ns = q.sent_ns = s * 1'000'000'000LL + i * 5'000'000LL;
            q.done_ns = q.sent_ns + (i == 7 ? 250'000'000 : 1'000'000 + (i % 4) * 1'000'000);
            q.status = 200;
            r.stats.add(q, "");
        }
        for (int i = 0; s >= 2 && i < 5; ++i) {
            RequestRecord q;
            q.intended_ns = q.sent_ns = q.done_ns = s * 1'000'000'000LL + i * 100'000'000LL;
            q.cls = ErrorClass::refused;
            r.stats.add(q, "");
        }
    }
    r.achieved_rate = 200;
    return r;
}

ReportInput input_for(const RunResult& r) {
    ReportInput in;
    in.command = "run";
    in.target = "http://127.0.0.1:8080/hello?a=<b>&c";
    in.model = Model::closed;
    in.result = &r;
    return in;
}

// Every <svg>, <g>, <path>, <text>, <table> and <tr> closed in order, and
// no element opened twice in a row without closing.
bool balanced(const std::string& page, std::string& why) {
    static const std::regex tag("<(/?)(svg|g|path|text|table|tr|h1|h2|p|div|span)\\b[^>]*?(/?)>");
    std::vector<std::string> open;
    for (auto it = std::sregex_iterator(page.begin(), page.end(), tag); it != std::sregex_iterator(); ++it) {
        const auto& m = *it;
        if (m[3].length()) continue;  // self-closing
        if (m[1].length() == 0) {
            open.push_back(m[2]);
            continue;
        }
        if (open.empty() || open.back() != m[2]) {
            why = "</" + m[2].str() + "> closes " + (open.empty() ? std::string("nothing") : "<" + open.back() + ">");
            return false;
        }
        open.pop_back();
    }
    if (!open.empty()) why = "<" + open.back() + "> is never closed";
    return open.empty();
}

std::size_t count_of(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
}

// The part of the page after `heading_id`, up to the next chart's end.
std::string chart_after(const std::string& page, const std::string& heading_id) {
    const auto from = page.find("id=\"" + heading_id + "\"");
    REQUIRE(from != std::string::npos);
    const auto svg = page.find("<svg", from);
    const auto end = page.find("</svg>", svg);
    REQUIRE(end != std::string::npos);
    return page.substr(svg, end - svg);
}

}  // namespace

TEST_CASE("run html: a well-formed, self-contained page with three charts", "[run_html]") {
    const RunResult r = synthetic_run(6);
    const std::string page = run_html_report(input_for(r), "isapi-loadgen run http://127.0.0.1:8080/hello --html x.html");
    std::string why;
    const bool ok = balanced(page, why);
    INFO(why);
    CHECK(ok);
    CHECK(page.starts_with("<!DOCTYPE html>"));
    CHECK(count_of(page, "<svg") == 3);
    // Self-contained: no script, nothing fetched.
    CHECK(page.find("<script") == std::string::npos);
    CHECK(page.find("src=") == std::string::npos);
    CHECK(page.find("href=") == std::string::npos);
    // The target is escaped, the command shown.
    CHECK(page.find("hello?a=&lt;b&gt;&amp;c") != std::string::npos);
    CHECK(page.find("--html x.html") != std::string::npos);
    CHECK(page.find("sent 1220, answered 1200, dropped 20, errors 20") != std::string::npos);
    // No expectations given: no verdict.
    CHECK(page.find("class=\"badge") == std::string::npos);
}

TEST_CASE("run html: latency over time has p50, p99 and max lines with a unit on the axis", "[run_html]") {
    const RunResult r = synthetic_run(6);
    const std::string chart = chart_after(run_html_report(input_for(r), ""), "latency-over-time");
    for (const char* s : {"data-series=\"p50\"", "data-series=\"p99\"", "data-series=\"max\""}) {
        INFO(s);
        CHECK(count_of(chart, s) == 1);
    }
    // max is 250 ms and p50 about 2 ms: a log axis, ticks in ms.
    CHECK(chart.find("(log scale)") != std::string::npos);
    CHECK(chart.find(">1ms<") != std::string::npos);
    CHECK(chart.find(">1s<") != std::string::npos);
    // One point per bucket that had answers: 6 s of 100 ms buckets.
    const auto p50 = chart.find("data-series=\"p50\"");
    const auto d = chart.substr(p50, chart.find("</path>", p50) - p50);
    CHECK(count_of(d, "L") + count_of(d, "M") >= 40);
}

TEST_CASE("run html: throughput and errors per second over time", "[run_html]") {
    const RunResult r = synthetic_run(6);
    const std::string chart = chart_after(run_html_report(input_for(r), ""), "throughput-over-time");
    CHECK(count_of(chart, "data-series=\"answered/s\"") == 1);
    CHECK(count_of(chart, "data-series=\"errors/s\"") == 1);
    CHECK(chart.find("requests per second") != std::string::npos);
}

TEST_CASE("run html: the percentile spectrum has HdrHistogram's ticks on a log axis", "[run_html]") {
    RunResult r = synthetic_run(6);
    ReportInput in = input_for(r);
    const std::string chart = chart_after(run_html_report(in, ""), "percentile-spectrum");
    for (const char* tick : {">50%<", ">90%<", ">99%<", ">99.9%<", ">99.99%<", ">99.999%<"}) {
        INFO(tick);
        CHECK(count_of(chart, tick) == 1);
    }
    // Evenly spaced: 90% and 99% are as far apart as 99% and 99.9%.
    std::smatch m;
    std::vector<double> xs;
    const std::regex label("<text x=\"([0-9.]+)\"[^>]*>(90|99|99\\.9)%<");
    for (auto it = std::sregex_iterator(chart.begin(), chart.end(), label); it != std::sregex_iterator(); ++it)
        xs.push_back(std::stod((*it)[1]));
    REQUIRE(xs.size() == 3);
    CHECK(xs[1] - xs[0] == Approx(xs[2] - xs[1]).margin(0.2));
    CHECK(count_of(chart, "data-series=\"latency\"") == 1);
    // An open loop shows corrected and uncorrected.
    in.model = Model::open_rate;
    in.target_rate = 200;
    const std::string open = chart_after(run_html_report(in, ""), "percentile-spectrum");
    CHECK(count_of(open, "data-series=\"corrected\"") == 1);
    CHECK(count_of(open, "data-series=\"uncorrected\"") == 1);
}

TEST_CASE("run html: expectations are listed with a verdict only when given", "[run_html]") {
    const RunResult r = synthetic_run(3);
    ReportInput in = input_for(r);
    ThresholdOutcome held;
    held.threshold.text = "p99<1s";
    held.threshold.expect = true;
    held.message = "p99 = 4ms, within --expect 'p99<1s'";
    in.thresholds = {held};
    std::string page = run_html_report(in, "");
    CHECK(page.find("badge pass") != std::string::npos);
    CHECK(page.find("--expect p99&lt;1s") != std::string::npos);
    ThresholdOutcome broken = held;
    broken.threshold.text = "errors>0";
    broken.threshold.expect = false;
    broken.broken = true;
    in.thresholds.push_back(broken);
    page = run_html_report(in, "");
    CHECK(page.find("badge fail") != std::string::npos);
    CHECK(page.find("--fail-if errors&gt;0") != std::string::npos);
}

TEST_CASE("time series: buckets keep p50, p99 and max, and stay bounded by merging", "[run_html]") {
    TimeSeries t;
    for (int i = 0; i < 100; ++i) t.add(50'000'000, true, false, 1000 + i);  // all in bucket 0
    t.add(150'000'000, false, true, 0);
    REQUIRE(t.buckets().size() == 2);
    const auto& b0 = t.buckets()[0];
    CHECK(b0.latency.count() == 100);
    CHECK(b0.latency.max() == 1099);
    CHECK(b0.latency.percentile(50) == Approx(1049).epsilon(0.07));
    CHECK(t.buckets()[1].errors == 1);
    CHECK(t.buckets()[1].latency.count() == 0);
    // An hour: the width doubles until an hour fits in kMaxBuckets.
    for (std::int64_t s = 0; s < 3600; ++s) t.add(s * 1'000'000'000LL, true, false, 10);
    CHECK(t.buckets().size() <= TimeSeries::kMaxBuckets);
    CHECK(t.width_ns() * static_cast<std::int64_t>(TimeSeries::kMaxBuckets) > 3599'000'000'000LL);
    std::uint64_t ended = 0;
    for (const auto& b : t.buckets()) ended += b.ended;
    CHECK(ended == 3600 + 101);
    // Merging a finer series into a coarser one keeps every count.
    TimeSeries fine;
    fine.add(250'000'000, true, false, 7);
    t.merge(fine);
    std::uint64_t after = 0;
    for (const auto& b : t.buckets()) after += b.ended;
    CHECK(after == ended + 1);
}

TEST_CASE("coarse histogram: every value within 1/16 of its bucket's top", "[run_html]") {
    for (std::uint64_t v : {0ULL, 1ULL, 15ULL, 16ULL, 17ULL, 31ULL, 32ULL, 33ULL, 1000ULL, 123456ULL, 4'000'000'000ULL}) {
        const auto top = CoarseHistogram::highest_in(CoarseHistogram::index_of(v));
        INFO(v);
        CHECK(top >= v);
        CHECK(static_cast<double>(top - v) <= static_cast<double>(v) / 16.0);
    }
    CHECK(CoarseHistogram::index_of(~0ULL) == CoarseHistogram::kBuckets - 1);
}
