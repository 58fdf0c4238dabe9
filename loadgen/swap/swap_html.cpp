// The HTML report of one swap run: one self-contained page that
// opens offline: the verdict and key figures, the timeline (swap_timeline),
// then the steps, measures, latency, expectations and run tables. No script
// is needed to read it.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../models/units.hpp"
#include "html_util.hpp"
#include "swap_report.hpp"
#include "swap_timeline.hpp"

namespace isapi::loadgen {
namespace {

using html::coord;
using html::fixed;

std::string ms_text(double ms) { return ms < 0 ? "never" : fixed(ms, ms < 10 ? 3 : 1) + "ms"; }

std::string rate_text(std::uint64_t bytes_per_s) {
    if (bytes_per_s == 0) return "unthrottled";
    const double b = static_cast<double>(bytes_per_s);
    if (b >= 1024.0 * 1024) return fixed(b / (1024.0 * 1024), 1) + " MiB/s";
    if (b >= 1024) return fixed(b / 1024, 0) + " KiB/s";
    return std::to_string(bytes_per_s) + " B/s";
}

std::string short_sha(const std::string& sha) { return sha.empty() ? "?" : markup_escape(sha.substr(0, 12)); }

std::string steps_table(const SwapTrace& t) {
    if (t.events.empty()) return "<p class=\"muted\">The swap recorded no steps.</p>\n";
    std::string s = "<table>\n<tr><th>step</th><th>since the run started</th><th>since the swap started</th>"
                    "<th>detail</th></tr>\n";
    for (const auto& e : t.events) {
        s += "<tr><td><code>" + markup_escape(e.name) + "</code></td><td class=\"n\">" + fixed(e.t_ns / 1e6, 3) +
             "ms</td><td class=\"n\">" + (t.start_ns >= 0 ? fixed((e.t_ns - t.start_ns) / 1e6, 3) + "ms" : "-") +
             "</td><td>" + markup_escape(e.detail) + "</td></tr>\n";
    }
    return s + "</table>\n";
}

// The worst URLs of a mix; nothing for a single URL.
std::string urls_table(const SwapMeasures& m) {
    if (m.urls.empty()) return {};
    std::string s = "<h2>Worst URLs (most dropped first)</h2>\n<table>\n<tr><th>URL</th><th>sent</th>"
                    "<th>old build</th><th>new build</th><th>dropped</th><th>by class</th></tr>\n";
    for (const auto& u : m.urls) {
        std::string classes;
        for (const auto& [name, n] : u.dropped_by_class)
            classes += "<code>" + markup_escape(name) + "</code> " + std::to_string(n) + " ";
        s += "<tr><td><code>" + markup_escape(u.url) + "</code></td><td class=\"n\">" + std::to_string(u.sent) +
             "</td><td class=\"n\">" + std::to_string(u.answered_old) + "</td><td class=\"n\">" +
             std::to_string(u.answered_new) + "</td><td class=\"" + (u.dropped ? "n bad" : "n good") + "\">" +
             std::to_string(u.dropped) + "</td><td>" + classes + "</td></tr>\n";
    }
    return s + "</table>\n";
}

// A row of the measures table: the metric's name (as --expect knows it),
// its value, and what it means. `cls` colours the value cell.
std::string measure_row(std::string_view metric, const std::string& value_html, std::string_view meaning,
                        std::string_view cls = "n") {
    std::string s = "<tr><td><code>";
    s += markup_escape(metric);
    s += "</code></td><td class=\"";
    s += cls;
    s += "\">" + value_html + "</td><td>";
    s += meaning;
    return s + "</td></tr>\n";
}

std::string measures_table(const SwapReport& r) {
    const auto& m = r.measures;
    const auto& t = r.trace;
    std::string s = "<table>\n<tr><th>metric</th><th>value</th><th>meaning</th></tr>\n";
    s += measure_row("sent", std::to_string(m.sent), "requests sent during the run");
    s += measure_row("answered_old", std::to_string(m.answered_old), "answered by the old build");
    s += measure_row("answered_new", std::to_string(m.answered_new), "answered by the new build");
    s += measure_row("answered_other", std::to_string(m.answered_other),
                     "answered by a build that is neither file (a torn copy that loaded)",
                     m.answered_other ? "n bad" : "n");
    s +=
        measure_row("dropped", std::to_string(m.dropped), "requests no build answered", m.dropped ? "n bad" : "n good");
    for (const auto& [name, n] : m.dropped_by_class)
        s += measure_row(name, std::to_string(n), "dropped as <code>" + markup_escape(name) + "</code>", "n bad");
    s += measure_row("window_us", format_duration_us(m.window_us),
                     "the rename window: how long the live path held no complete module (from the swap's own steps)",
                     m.window_us > 0 ? "n bad" : "n good");
    s += measure_row("implied_window_us", m.implied_window_us < 0 ? "none" : format_duration_us(m.implied_window_us),
                     "the window the failures imply: first to last send of a module_missing/unloadable failure");
    s += measure_row("outage_us", m.outage_us > 0 ? format_duration_us(m.outage_us) : "none",
                     "first failure's send to the last failure's end");
    s += measure_row("switchover_us", ms_text(m.switchover_ms), "swap start to the first answer of the new build",
                     m.switchover_ms < 0 ? "n bad" : "n");
    s += measure_row("overlap_us", ms_text(m.overlap_ms), "both builds answered (first new to last old answer)");
    s += measure_row("rate_before_per_s", fixed(m.rate_before, 0) + "/s", "answered per second before the swap");
    s += measure_row("min_rate_during_per_s", fixed(m.min_rate_during, 0) + "/s", "the lowest bucket during the swap");
    s += measure_row("dip_percent", fixed(m.dip_percent, 1) + "%", "the throughput dip: 1 - min during / before",
                     m.dip_percent >= 50 ? "n bad" : "n");
    s += measure_row("rolled_back", t.rolled_back ? "yes" : "no", "the old build was put back",
                     t.rolled_back ? "n bad" : "n");
    if (t.failed || !t.error.empty())
        s += measure_row("error", markup_escape(t.error.empty() ? std::string("a step failed") : t.error),
                         t.unsupported ? "the strategy is not available here" : "the step that failed, and why", "bad");
    return s + "</table>\n";
}

std::string latency_table(const SwapMeasures& m) {
    std::string s = "<table>\n<tr><th>phase</th><th>requests</th><th>p50</th><th>p99</th><th>max</th></tr>\n";
    for (const auto& [name, p] : {std::pair{"before", &m.before}, std::pair{"during", &m.during},
                                  std::pair{"after", &m.after}}) {
        s += std::string("<tr><td>") + name + "</td><td class=\"n\">" + std::to_string(p->count) + "</td>";
        for (double v : {p->p50_us, p->p99_us, p->max_us})
            s += "<td class=\"n\">" + (p->count ? format_duration_us(v) : std::string("-")) + "</td>";
        s += "</tr>\n";
    }
    return s + "</table>\n";
}

std::string expectations_table(const std::vector<ExpectationOutcome>& outcomes) {
    if (outcomes.empty()) return "<p class=\"muted\">No <code>--expect</code> conditions were given.</p>\n";
    std::string s = "<table>\n<tr><th>expectation</th><th>actual</th><th>result</th><th>message</th></tr>\n";
    for (const auto& o : outcomes) {
        s += "<tr><td><code>" + markup_escape(o.expectation.text) + "</code></td><td class=\"n\">" +
             html::count(o.actual) + "</td><td class=\"" + (o.met ? "good\">met" : "bad\">unmet") + "</td><td>" +
             markup_escape(o.message) + "</td></tr>\n";
    }
    return s + "</table>\n";
}

std::string run_table(const SwapReport& r) {
    const auto& l = r.load;
    std::string s = "<table>\n";
    auto row = [&](std::string_view k, const std::string& v_html) {
        s += "<tr><th>";
        s += k;
        s += "</th><td>" + v_html + "</td></tr>\n";
    };
    row("target", "<code>" + markup_escape(r.target) + "</code>");
    row("live path", "<code>" + markup_escape(r.live_path) + "</code>");
    row("old file",
        "<code>" + markup_escape(r.old_file) + "</code> sha256 <code>" + markup_escape(r.old_sha256) + "</code>");
    row("new file",
        "<code>" + markup_escape(r.new_file) + "</code> sha256 <code>" + markup_escape(r.new_sha256) + "</code>");
    row("planned rate", r.rate > 0 ? fixed(r.rate, 0) + " requests/s" : std::string("closed loop"));
    row("achieved rate", fixed(l.achieved_rate, 0) + " answered/s over " + fixed(l.load_window_s, 2) + "s");
    row("copy rate", rate_text(r.copy_rate));
    row("threads / connections", std::to_string(l.threads) + " / " + std::to_string(l.connections));
    row("elapsed", fixed(l.elapsed_s, 2) + "s");
    if (!r.host_exit.empty()) row("host", markup_escape(r.host_exit));
    if (!l.log_error.empty()) row("request log", "<span class=\"bad\">" + markup_escape(l.log_error) + "</span>");
    return s + "</table>\n";
}

constexpr const char* kExtraCss =
    ".kpi{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}"
    ".kpi div{border:1px solid #ddd;border-radius:6px;padding:6px 12px;min-width:120px}"
    ".kpi b{display:block;font-size:19px}.kpi .bad b{color:#b71c1c}.kpi .good b{color:#1b5e20}\n"
    "span.bad{color:#b71c1c}\n";

std::string key_figures(const SwapReport& r) {
    const auto& m = r.measures;
    std::string s = "<div class=\"kpi\">";
    auto fig = [&](std::string_view label, const std::string& value, int verdict) {
        s += "<div";
        s += verdict > 0 ? " class=\"good\"" : verdict < 0 ? " class=\"bad\"" : "";
        s += "><b>" + value + "</b>";
        s += label;
        s += "</div>";
    };
    fig("dropped", std::to_string(m.dropped) + " / " + std::to_string(m.sent), m.dropped ? -1 : 1);
    fig("rename window", format_duration_us(m.window_us), m.window_us > 0 ? -1 : 1);
    fig("switchover", ms_text(m.switchover_ms), m.switchover_ms < 0 ? -1 : 0);
    fig("p99 during", m.during.count ? format_duration_us(m.during.p99_us) : "-", 0);
    fig("throughput dip", fixed(m.dip_percent, 1) + "%", 0);
    return s + "</div>\n";
}

}  // namespace

std::string swap_html_report(const SwapReport& r) {
    // Without --expect there is nothing to judge the measures by: the badge
    // says "measured", not "pass".
    const std::string verdict(r.verdict());
    std::string badge = verdict;
    std::transform(badge.begin(), badge.end(), badge.begin(), [](unsigned char c) { return std::toupper(c); });
    const std::string what = r.strategy + " / " + r.mode + " / recycle " + r.recycle;
    std::string s = html::page_start("swap " + what + ": " + badge, kExtraCss);
    s += "<h1>Swap under load: " + markup_escape(r.strategy) + " &middot; " + markup_escape(r.mode) +
         " &middot; recycle " + markup_escape(r.recycle) + " <span class=\"badge " + verdict +
         (verdict == "measured" ? "\" title=\"no --expect given: measures only\">" : "\">") + badge + "</span></h1>\n";
    s += "<p class=\"muted\">old build <code>" + short_sha(r.old_sha256) + "</code> &rarr; new build <code>" +
         short_sha(r.new_sha256) + "</code> &middot; live path <code>" + markup_escape(r.live_path) + "</code></p>\n";
    const auto& t = r.trace;
    if (t.unsupported)
        s += "<div class=\"error\">The strategy is not available here: " + markup_escape(t.error) + "</div>\n";
    else if (t.failed || t.rolled_back)
        s += std::string("<div class=\"error\">") + (t.rolled_back ? "Rolled back to the old build. " : "") +
             (t.untouched ? "Nothing changed: the live path still holds the old build. " : "") +
             (t.failed ? "A step of the swap failed: " + markup_escape(t.error) : std::string()) + "</div>\n";
    s += key_figures(r);

    s += "<h2>Requests over time, by build and failure</h2>\n";
    s += "<p class=\"muted\">Each mark is a request at its intended send time, at its latency (failures: until the "
         "failure was noticed). Bars count the requests of each time bucket. Dashed lines are the swap's steps; hover "
         "a mark or a bar for details.</p>\n";
    s += swap_timeline_html(r);
    s += "<h2>Swap steps</h2>\n" + steps_table(t);
    s += "<h2>Measures</h2>\n" + measures_table(r);
    s += urls_table(r.measures);
    s += "<h2>Latency before, during and after the swap</h2>\n" + latency_table(r.measures);
    s += "<h2>Expectations</h2>\n" + expectations_table(r.expectations);
    s += "<h2>Run</h2>\n" + run_table(r);
    s += html::page_end();
    return s;
}

}  // namespace isapi::loadgen
