#include "swap_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "../models/units.hpp"
#include "../report/json_report.hpp"
#include "../report/markup.hpp"
#include "../report/thresholds.hpp"

namespace isapi::loadgen {
namespace {

constexpr const char* kKnownMetrics =
    "dropped, window_us, implied_window_us, outage_us, switchover_us, overlap_us, p99_during_us, max_during_us, "
    "dip_percent, rolled_back, answered_new, or a failure class (module_missing, module_unloadable, worker_lost, "
    "unavailable, reset, eof, timeout, ...)";

std::string ms(double v) { return v < 0 ? "never" : format_duration_us(v * 1e3); }

std::string phase(const char* name, const PhaseLatency& p) {
    if (p.count == 0) return std::string("    ") + name + " (no requests)\n";
    char line[160];
    std::snprintf(line, sizeof line, "    %-7s %7llu req   p50 %-8s p99 %-8s max %s\n", name,
                  static_cast<unsigned long long>(p.count), format_duration_us(p.p50_us).c_str(),
                  format_duration_us(p.p99_us).c_str(), format_duration_us(p.max_us).c_str());
    return line;
}

// A measure the analysis marks "none" with a negative value, scaled to
// the JSON's unit; null for none.
nlohmann::ordered_json or_null(double value, double scale = 1) {
    return value < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(value * scale);
}

nlohmann::ordered_json phase_json(const PhaseLatency& p) {
    return {{"count", p.count}, {"p50_us", p.p50_us}, {"p99_us", p.p99_us}, {"max_us", p.max_us}};
}

// The loadgen summary of the load run, as `run --json` writes it.
nlohmann::ordered_json load_summary(const SwapReport& r) {
    ReportInput in;
    in.command = "swap";
    in.target = r.target;
    in.model = Model::open_rate;
    in.target_rate = r.rate;
    in.result = &r.load;
    return nlohmann::ordered_json::parse(json_report(in));
}

}  // namespace

Expectation parse_expectation(const std::string& text, bool fail_if) {
    const MetricLookup known = [](const std::string& metric) { return swap_metric(metric, SwapMeasures{}, SwapTrace{}); };
    return loadgen::parse_expectation(text, fail_if, known, kKnownMetrics);
}

std::optional<double> swap_metric(const std::string& metric, const SwapMeasures& m, const SwapTrace& trace) {
    if (metric == "dropped") return static_cast<double>(m.dropped);
    if (metric == "window_us") return m.window_us;
    if (metric == "implied_window_us") return m.implied_window_us;
    if (metric == "outage_us") return m.outage_us;
    // The JSON's names and units; "never" stays -1, below any limit.
    if (metric == "switchover_us") return m.switchover_ms < 0 ? -1 : m.switchover_ms * 1e3;
    if (metric == "overlap_us") return m.overlap_ms * 1e3;
    if (metric == "p99_during_us") return m.during.p99_us;
    if (metric == "max_during_us") return m.during.max_us;
    if (metric == "dip_percent") return m.dip_percent;
    if (metric == "rolled_back") return trace.rolled_back ? 1 : 0;
    if (metric == "answered_new") return static_cast<double>(m.answered_new);
    static const char* const kClasses[] = {"module_missing", "module_unloadable", "worker_lost", "unavailable",
                                           "reset", "eof", "timeout", "refused", "keepalive_race", "io_error", "tls"};
    const bool is_class = metric.rfind("status_", 0) == 0 ||
                          std::find(std::begin(kClasses), std::end(kClasses), metric) != std::end(kClasses);
    if (!is_class) return std::nullopt;
    const auto found = m.dropped_by_class.find(metric);
    return found == m.dropped_by_class.end() ? 0 : static_cast<double>(found->second);
}

std::vector<ExpectationOutcome> evaluate_expectations(const std::vector<Expectation>& expectations,
                                                     const SwapMeasures& m, const SwapTrace& trace) {
    return loadgen::evaluate_expectations(expectations,
                                          [&](const std::string& metric) { return swap_metric(metric, m, trace); });
}

bool SwapReport::passed() const {
    if (trace.failed) return false;
    for (const auto& e : expectations)
        if (!e.met) return false;
    return true;
}

std::string_view SwapReport::verdict() const {
    if (!passed()) return "fail";
    return expectations.empty() ? "measured" : "pass";
}

// The text shows the worst few; the JSON keeps all the analysis kept.
constexpr std::size_t kWorstUrlsShown = 10;

std::string swap_text_report(const SwapReport& r) {
    const SwapMeasures& m = r.measures;
    std::ostringstream out;
    out << "swap " << r.strategy << ", " << r.mode << ", recycle " << r.recycle << "  (" << r.target << " at "
        << plain_number(r.rate) << " req/s)\n";
    if (r.requests != "GET") out << "  sending    " << r.requests << ", aimed at " << r.target << "\n";
    out << "  builds     old " << r.old_sha256.substr(0, 12) << "  new " << r.new_sha256.substr(0, 12) << "\n";
    if (r.trace.failed) {
        const char* outcome = r.trace.rolled_back ? " (rolled back: the old build is live again)"
                              : r.trace.untouched ? " (nothing changed: the live path still holds the old build)"
                                                  : "";
        out << "  FAILED     " << r.trace.error << outcome << "\n";
    }
    out << "  requests   sent " << m.sent << "   old build " << m.answered_old << "   new build " << m.answered_new;
    if (m.answered_other) out << "   other build " << m.answered_other;
    out << "   dropped " << m.dropped << "\n";
    if (!m.dropped_by_class.empty()) {
        out << "  dropped by class ";
        for (const auto& [cls, n] : m.dropped_by_class) out << "  " << cls << " " << n;
        out << "\n";
    }
    if (!m.urls.empty()) {
        out << "  worst URLs (of a mix; most dropped first)\n";
        for (std::size_t i = 0; i < m.urls.size() && i < kWorstUrlsShown; ++i) {
            const auto& u = m.urls[i];
            out << "    " << u.url << "   sent " << u.sent << "   old " << u.answered_old << "   new " << u.answered_new
                << "   dropped " << u.dropped;
            for (const auto& [cls, n] : u.dropped_by_class) out << "  " << cls << " " << n;
            out << "\n";
        }
    }
    out << "  window     " << (m.window_us > 0 ? format_duration_us(m.window_us) : std::string("none (the live path always held a whole module)"));
    if (m.implied_window_us >= 0) out << "   implied by failures " << format_duration_us(m.implied_window_us);
    out << "\n";
    out << "  outage     " << (m.dropped ? format_duration_us(m.outage_us) : std::string("none")) << "\n";
    out << "  switchover " << ms(m.switchover_ms) << "   overlap " << ms(m.overlap_ms) << "\n";
    out << "  latency (from intended send)\n" << phase("before", m.before) << phase("during", m.during) << phase("after", m.after);
    char dip[160];
    std::snprintf(dip, sizeof dip, "  throughput %.0f req/s before, lowest %.0f req/s during (dip %.0f%%)\n", m.rate_before,
                  m.min_rate_during, m.dip_percent);
    out << dip;
    out << "  steps     ";
    for (const auto& e : r.trace.events) out << "  " << e.name << "@" << format_duration_us(static_cast<double>(e.t_ns) / 1e3);
    out << "\n";
    for (const auto& e : r.expectations) out << "  expect     " << (e.met ? "ok   " : "FAIL ") << e.message << "\n";
    if (!r.host_exit.empty()) out << "  host       " << r.host_exit << "\n";
    return out.str();
}

std::string swap_json_report(const SwapReport& r) {
    nlohmann::ordered_json j = load_summary(r);
    const SwapMeasures& m = r.measures;
    auto& s = j["swap"];
    s["strategy"] = r.strategy;
    s["mode"] = r.mode;
    s["recycle"] = r.recycle;
    s["requests"] = r.requests;
    s["live_path"] = r.live_path;
    s["old_sha256"] = r.old_sha256;
    s["new_sha256"] = r.new_sha256;
    s["copy_rate_bytes_per_s"] = r.copy_rate ? nlohmann::ordered_json(r.copy_rate) : nullptr;  // null: unthrottled
    s["window_us"] = m.window_us;
    s["implied_window_us"] = or_null(m.implied_window_us);
    s["outage_us"] = m.outage_us;
    s["switchover_us"] = or_null(m.switchover_ms, 1e3);
    s["overlap_us"] = m.overlap_ms * 1e3;
    s["rolled_back"] = r.trace.rolled_back;
    s["failed"] = r.trace.failed;
    s["unsupported"] = r.trace.unsupported;
    s["untouched"] = r.trace.untouched;
    s["error"] = r.trace.error.empty() ? nullptr : nlohmann::ordered_json(r.trace.error);
    s["dropped"] = m.dropped;
    s["dropped_by_class"] = m.dropped_by_class;
    s["answered_old"] = m.answered_old;
    s["answered_new"] = m.answered_new;
    s["answered_other"] = m.answered_other;
    auto& urls = s["urls"] = nlohmann::ordered_json::array();  // empty: one URL
    for (const auto& u : m.urls)
        urls.push_back({{"url", u.url}, {"sent", u.sent}, {"answered_old", u.answered_old},
                        {"answered_new", u.answered_new}, {"dropped", u.dropped},
                        {"dropped_by_class", u.dropped_by_class}});
    s["latency_before"] = phase_json(m.before);
    s["latency_during"] = phase_json(m.during);
    s["latency_after"] = phase_json(m.after);
    s["rate_before_per_s"] = m.rate_before;
    s["min_rate_during_per_s"] = m.min_rate_during;
    s["dip_percent"] = m.dip_percent;
    s["host_exit"] = r.host_exit.empty() ? nullptr : nlohmann::ordered_json(r.host_exit);  // null: attached
    auto& events = j["events"] = nlohmann::ordered_json::array();
    for (const auto& e : r.trace.events) events.push_back({{"name", e.name},
                          {"t_us", static_cast<double>(e.t_ns) / 1e3},
                          {"detail", e.detail.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(e.detail)}});
    auto& expectations = j["expectations"] = nlohmann::ordered_json::array();
    for (const auto& e : r.expectations)
        expectations.push_back(
            {{e.expectation.fail_if ? "fail_if" : "expect", e.expectation.text}, {"actual", e.actual}, {"met", e.met}});
    j["passed"] = r.passed();
    j["verdict"] = r.verdict();
    return j.dump(2) + "\n";
}

std::string swap_junit_report(const SwapReport& r) {
    struct Case {
        std::string name, failure;
    };
    std::vector<Case> cases{{"swap " + r.strategy + " " + r.mode + " recycle " + r.recycle + " completed",
                             r.trace.failed ? r.trace.error : ""}};
    for (const auto& e : r.expectations)
        cases.push_back({(e.expectation.fail_if ? "fail-if " : "expect ") + e.expectation.text, e.met ? "" : e.message});
    std::size_t failures = 0;
    for (const auto& c : cases) failures += !c.failure.empty();
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
    x += "  <testsuite name=\"isapi-loadgen swap\" tests=\"" + std::to_string(cases.size()) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"0\">\n";
    x += "    <properties>\n";
    const std::pair<const char*, std::string> props[] = {
        {"strategy", r.strategy}, {"mode", r.mode}, {"recycle", r.recycle},
        {"dropped", std::to_string(r.measures.dropped)}, {"window_us", plain_number(r.measures.window_us)},
        {"switchover_us", plain_number(r.measures.switchover_ms < 0 ? -1 : r.measures.switchover_ms * 1e3)}};
    for (const auto& [name, value] : props)
        x += std::string("      <property name=\"") + name + "\" value=\"" + markup_escape(value) + "\"/>\n";
    x += "    </properties>\n";
    for (const auto& c : cases) {
        x += "    <testcase classname=\"isapi-loadgen.swap\" name=\"" + markup_escape(c.name) + "\"";
        if (c.failure.empty()) {
            x += "/>\n";
            continue;
        }
        x += ">\n      <failure message=\"" + markup_escape(c.failure) + "\"/>\n    </testcase>\n";
    }
    x += "  </testsuite>\n</testsuites>\n";
    return x;
}

}  // namespace isapi::loadgen
