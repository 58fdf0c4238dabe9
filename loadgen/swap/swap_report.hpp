#pragma once
// Everything the swap's reports (text, JSON, HTML, JUnit) need about one
// swap run, and the writers. The JSON holds the loadgen summary keys plus
// "swap", "events", "expectations" and "verdict", in the units of the
// summary (docs/schemas/swap.schema.json).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../client/runner.hpp"
#include "../report/conditions.hpp"
#include "../report/thresholds.hpp"
#include "swap_analysis.hpp"

namespace isapi::loadgen {

// A request drawn on the HTML timeline. All failures are kept; answered
// requests are thinned evenly when there are too many to draw.
struct SwapPoint {
    std::int64_t t_ns = 0;  // intended send time
    double latency_us = 0;  // corrected; for failures, until the failure was noticed
    Answer answer = Answer::failed;
    std::string failure;    // failures only
};

// --expect 'dropped=0', 'switchover_us<500000', 'window_us<=1000': a condition
// that must hold; --fail-if 'dropped>0': one that must not
// (report/conditions.hpp). Metrics: dropped, window_us, implied_window_us,
// outage_us, switchover_us (-1: never), overlap_us, p99_during_us, max_during_us,
// dip_percent, rolled_back (0/1), answered_new, and any failure class name.
// Throws std::invalid_argument naming the bad text and the known metrics.
Expectation parse_expectation(const std::string& text, bool fail_if = false);
// The measure by name; nullopt for an unknown one.
std::optional<double> swap_metric(const std::string& metric, const SwapMeasures& m, const SwapTrace& trace);
std::vector<ExpectationOutcome> evaluate_expectations(const std::vector<Expectation>& expectations,
                                                     const SwapMeasures& m, const SwapTrace& trace);

struct SwapReport {
    std::string strategy;  // "rename-copy", ...
    std::string mode;      // "cached" / "uncached"
    std::string recycle;   // "none" / "immediate" / "overlapped" / "watch"
    std::string live_path;
    std::string old_file, new_file;
    std::string old_sha256, new_sha256;
    std::string target;        // the URL under load
    std::string requests = "GET";  // what the load sent: "GET", or "N requests from FILE", "a POST template"
    double rate = 0;           // planned requests per second
    std::uint64_t copy_rate = 0;  // bytes per second, 0: unthrottled
    SwapTrace trace;
    SwapMeasures measures;
    RunResult load;
    std::vector<SwapPoint> points;
    std::vector<ExpectationOutcome> expectations;
    std::string host_exit;  // "exited with code 0", or empty when attached to a running host

    bool passed() const;  // no failed step and every expectation met
    // "fail" (a failed step or an unmet expectation), "pass" (every --expect
    // met), or "measured": no --expect was given, so there is nothing to
    // judge the measures by.
    std::string_view verdict() const;
};

std::string swap_text_report(const SwapReport& r);
std::string swap_json_report(const SwapReport& r);  // one JSON object
std::string swap_junit_report(const SwapReport& r);
std::string swap_html_report(const SwapReport& r);  // self-contained, opens offline

}  // namespace isapi::loadgen
