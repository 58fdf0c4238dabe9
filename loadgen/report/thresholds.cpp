#include "thresholds.hpp"

#include <array>
#include <cstdio>
#include <stdexcept>

#include "../models/units.hpp"

namespace isapi::loadgen {
namespace {

constexpr std::array<std::string_view, 7> kLatency = {"p50", "p90", "p99", "p999", "p9999", "max", "mean"};
constexpr std::array<std::string_view, 6> kCounts = {"sent", "answered", "dropped", "errors", "error_rate", "rate"};

bool is_latency_metric(std::string_view m) {
    if (m.ends_with("_uncorrected")) m.remove_suffix(std::string_view("_uncorrected").size());
    for (auto l : kLatency)
        if (l == m) return true;
    return false;
}

double latency_of(const Histogram& h, std::string_view m) {
    if (m == "max") return static_cast<double>(h.max());
    if (m == "mean") return h.mean();
    if (m == "p50") return static_cast<double>(h.percentile(50));
    if (m == "p90") return static_cast<double>(h.percentile(90));
    if (m == "p99") return static_cast<double>(h.percentile(99));
    if (m == "p999") return static_cast<double>(h.percentile(99.9));
    return static_cast<double>(h.percentile(99.99));
}

double value_of(const Threshold& t, const RunResult& r) {
    const RunStats& s = r.stats;
    if (t.latency) {
        std::string_view m = t.metric;
        if (m.ends_with("_uncorrected")) {
            m.remove_suffix(std::string_view("_uncorrected").size());
            return latency_of(s.uncorrected(), m);
        }
        return latency_of(s.corrected(), m);
    }
    if (t.metric == "sent") return static_cast<double>(s.sent());
    if (t.metric == "answered") return static_cast<double>(s.answered());
    if (t.metric == "dropped") return static_cast<double>(s.dropped());
    if (t.metric == "errors") return static_cast<double>(s.errors());
    if (t.metric == "error_rate") return s.sent() ? 100.0 * static_cast<double>(s.errors()) / static_cast<double>(s.sent()) : 0;
    if (t.metric == "rate") return r.achieved_rate;
    return static_cast<double>(s.count(*class_from_name(t.metric)));
}

std::string show(const Threshold& t, double v) {
    if (t.latency) return format_duration_us(v);
    char buf[48];
    if (t.metric == "error_rate") std::snprintf(buf, sizeof buf, "%.3f%%", v);
    else if (t.metric == "rate") std::snprintf(buf, sizeof buf, "%.1f/s", v);
    else std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
}

}  // namespace

std::optional<ConditionText> split_condition(std::string_view text) {
    const auto op_at = text.find_first_of("<>=!");
    if (op_at == std::string_view::npos || op_at == 0) return std::nullopt;
    const std::size_t op_len = op_at + 1 < text.size() && text[op_at + 1] == '=' ? 2 : 1;
    auto trim = [](std::string_view s) {
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
        return std::string(s);
    };
    return ConditionText{trim(text.substr(0, op_at)), std::string(text.substr(op_at, op_len)),
                         trim(text.substr(op_at + op_len))};
}

bool condition_holds(double actual, std::string_view op, double limit) {
    if (op == ">") return actual > limit;
    if (op == ">=") return actual >= limit;
    if (op == "<") return actual < limit;
    if (op == "<=") return actual <= limit;
    if (op == "==" || op == "=") return actual == limit;
    return actual != limit;
}

Threshold parse_threshold(std::string_view text, bool expect) {
    Threshold t;
    t.text = std::string(text);
    t.expect = expect;
    const std::string option = expect ? "--expect '" + t.text + "'" : "--fail-if '" + t.text + "'";
    const auto parts = split_condition(text);
    if (!parts) throw std::invalid_argument(option + " is not METRIC OP VALUE (e.g. p99>50ms, errors>0)");
    t.op = parts->op == "=" ? "==" : parts->op;
    if (t.op == "!") throw std::invalid_argument(option + ": use =, ==, !=, <, <=, > or >=");
    t.metric = parts->metric;
    const std::string_view value = parts->value;
    t.latency = is_latency_metric(t.metric);
    bool known = t.latency || class_from_name(t.metric).has_value();
    for (auto c : kCounts) known = known || c == t.metric;
    if (!known)
        throw std::invalid_argument(option + ": unknown metric '" + t.metric +
                                    "' (p50..p9999, max, mean, errors, error_rate, dropped, rate, or a class name)");
    try {
        if (t.latency) {
            t.limit = static_cast<double>(parse_duration_ns(value, 1'000'000)) / 1000.0;
        } else {
            std::string v(value);
            if (t.metric == "error_rate" && v.ends_with('%')) v.pop_back();
            std::size_t used = 0;
            t.limit = std::stod(v, &used);
            if (used != v.size()) throw std::invalid_argument("trailing text");
        }
    } catch (const std::exception&) {
        throw std::invalid_argument(option + ": '" + std::string(value) + "' is not a valid limit");
    }
    return t;
}

std::vector<ThresholdOutcome> evaluate_thresholds(const std::vector<Threshold>& thresholds, const RunResult& result) {
    std::vector<ThresholdOutcome> out;
    for (const auto& t : thresholds) {
        ThresholdOutcome o{t, value_of(t, result), false, {}};
        o.broken = condition_holds(o.actual, t.op, t.limit) != t.expect;
        o.message = t.metric + " = " + show(t, o.actual) + (o.broken ? ", which breaks " : ", within ") +
                    (t.expect ? "--expect '" : "--fail-if '") + t.text + "'";
        out.push_back(std::move(o));
    }
    return out;
}

}  // namespace isapi::loadgen
