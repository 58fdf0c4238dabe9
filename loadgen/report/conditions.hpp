#pragma once
// --expect and --fail-if over a command's own measures (swap's, race's):
// "METRIC OP VALUE" with a plain number, OP one of < <= > >= = == !=, the
// syntax of run's thresholds (thresholds.hpp, which adds latency units). An
// --expect is met when its condition holds, a --fail-if when it does not.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace isapi::loadgen {

struct Expectation {
    std::string text;
    std::string metric;
    std::string op;  // = == != < <= > >=
    double value = 0;
    bool fail_if = false;  // --fail-if: met when the condition does not hold
};

struct ExpectationOutcome {
    Expectation expectation;
    double actual = 0;
    bool met = false;
    std::string message;  // "dropped = 12, expected dropped=0"
};

// A measure by name; nullopt for a name the command does not know.
using MetricLookup = std::function<std::optional<double>(const std::string& metric)>;

// Throws std::invalid_argument naming the flag, the text and `known_metrics`.
// `lookup` is asked only whether the metric exists.
Expectation parse_expectation(const std::string& text, bool fail_if, const MetricLookup& lookup,
                              std::string_view known_metrics);

std::vector<ExpectationOutcome> evaluate_expectations(const std::vector<Expectation>& expectations,
                                                     const MetricLookup& lookup);

// A measure as the messages show it: "12", or "0.125" when not whole.
std::string plain_number(double v);

}  // namespace isapi::loadgen
