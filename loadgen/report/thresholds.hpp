#pragma once
// --fail-if and --expect conditions: "METRIC OP VALUE", e.g. "p99>50ms",
// "errors>0", "error_rate>=1%", "rate<9900", "timeout=0" (OP: < <= > >= =
// == !=; the same syntax as swap's). A --fail-if is *broken* when its
// condition holds, an --expect when it does not; any broken one makes the
// exit code 2.
//
// Metrics: p50 p90 p99 p999 p9999 max mean (corrected latency; add
// "_uncorrected" for the latency from the actual send), sent, answered,
// dropped, errors (every request not ok), error_rate (percent of sent),
// rate (answered per second) and every error class by name (timeout, reset,
// status_5xx, ...). Latency limits take a unit (us, ms, s); bare numbers are ms.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../client/runner.hpp"

namespace isapi::loadgen {

struct Threshold {
    std::string text;    // as the user wrote it
    std::string metric;
    std::string op;      // > >= < <= == != (= reads as ==)
    double limit = 0;    // latency in us, error_rate in percent
    bool latency = false;
    bool expect = false;  // --expect: broken when the condition does not hold
};

struct ThresholdOutcome {
    Threshold threshold;
    double actual = 0;
    bool broken = false;
    std::string message;  // "p99 = 73.21ms, which breaks --fail-if 'p99>50ms'"
};

// Throws std::invalid_argument explaining what is wrong with the text.
Threshold parse_threshold(std::string_view text, bool expect = false);

// "METRIC OP VALUE" split at its operator (the first of < > = !, with a
// following '=' when there is one), metric and value trimmed of spaces.
// nullopt when there is no operator or nothing before it. Shared by
// --fail-if and swap's --expect, which check the operator each allows.
struct ConditionText {
    std::string metric;
    std::string op;  // < <= > >= == != = !
    std::string value;
};
std::optional<ConditionText> split_condition(std::string_view text);

// Whether `actual OP limit` holds; "=" means "==".
bool condition_holds(double actual, std::string_view op, double limit);

std::vector<ThresholdOutcome> evaluate_thresholds(const std::vector<Threshold>& thresholds, const RunResult& result);

}  // namespace isapi::loadgen
