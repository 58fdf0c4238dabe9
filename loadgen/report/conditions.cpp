#include "conditions.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "thresholds.hpp"

namespace isapi::loadgen {
std::string plain_number(double v) {
    char text[32];
    std::snprintf(text, sizeof text, v == std::floor(v) && std::fabs(v) < 1e15 ? "%.0f" : "%.3f", v);
    return text;
}

Expectation parse_expectation(const std::string& text, bool fail_if, const MetricLookup& lookup,
                              std::string_view known_metrics) {
    const std::string option = (fail_if ? "--fail-if '" : "--expect '") + text + "'";
    const auto parts = split_condition(text);
    if (!parts || parts->op == "!")
        throw std::invalid_argument(option + " is not METRIC OP VALUE (e.g. dropped=0, switchover_us<500000)");
    Expectation e{text, parts->metric, parts->op, 0, fail_if};
    std::size_t used = 0;
    try {
        e.value = std::stod(parts->value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != parts->value.size())
        throw std::invalid_argument(option + ": '" + parts->value + "' is not a number");
    if (!lookup(e.metric))
        throw std::invalid_argument(option + ": unknown metric '" + e.metric + "'; use " + std::string(known_metrics));
    return e;
}

std::vector<ExpectationOutcome> evaluate_expectations(const std::vector<Expectation>& expectations,
                                                     const MetricLookup& lookup) {
    std::vector<ExpectationOutcome> outcomes;
    for (const auto& e : expectations) {
        const double actual = lookup(e.metric).value_or(0);
        const bool met = condition_holds(actual, e.op, e.value) != e.fail_if;
        const std::string wanted = e.fail_if ? "not " + e.text : e.text;
        outcomes.push_back({e, actual, met, e.metric + " = " + plain_number(actual) + (met ? ", as expected: " : ", expected ") + wanted});
    }
    return outcomes;
}

}  // namespace isapi::loadgen
