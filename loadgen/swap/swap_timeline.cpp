// The timeline of one swap run for its HTML report: an inline SVG with
// every drawn request (x: when it was meant to be sent, y: its latency on a
// log scale) coloured by the build that answered or by its failure class,
// the per-bucket counts as stacked bars below, the maximum latency per
// bucket as a line, the swap's steps as labelled markers and the rename
// window as a shaded band; then its legend.
#include "swap_timeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "../models/units.hpp"
#include "html_util.hpp"
#include "../report/label_lanes.hpp"
#include "../report/svg_chart.hpp"

namespace isapi::loadgen {
namespace {

using html::coord;
using html::fixed;
using svg::latency_tick;
using svg::nice_step;
using svg::time_tick;

constexpr const char* kOldColour = "#4c78a8";
constexpr const char* kNewColour = "#54a24b";
constexpr const char* kOtherColour = "#b279a2";
constexpr const char* kFailedBarColour = "#a50f15";
constexpr const char* kLatencyLineColour = "#222";
constexpr const char* kWindowColour = "#e45756";
constexpr const char* kStepColour = "#555";

// The classes a swap is known to cause keep one colour in every report, so
// two reports read alike; any other class takes the next spare colour.
struct ClassColour {
    std::string_view name;
    const char* colour;
};
constexpr ClassColour kClassColours[] = {
    {"module_missing", "#e45756"}, {"module_unloadable", "#f58518"}, {"worker_lost", "#7b3294"},
    {"unavailable", "#9d755d"},    {"timeout", "#d4a017"},           {"reset", "#ff6fa0"},
    {"eof", "#111111"},            {"refused", "#8e8e8e"},           {"keepalive_race", "#3ba3a0"},
    {"io_error", "#8c6d31"},       {"tls", "#1f78b4"},
};
constexpr const char* kSpareColours[] = {"#c51b7d", "#2166ac", "#b35806", "#4d9221", "#762a83", "#01665e"};

// Every failure class of the run (from the drawn points and the measures),
// with its colour and how many requests failed so.
struct FailureClasses {
    std::map<std::string, const char*> colour;
    std::map<std::string, std::uint64_t> count;

    explicit FailureClasses(const SwapReport& r) {
        std::map<std::string, std::uint64_t> drawn;
        for (const auto& p : r.points)
            if (p.answer == Answer::failed) ++drawn[p.failure.empty() ? "unknown" : p.failure];
        count = r.measures.dropped_by_class;
        for (const auto& [name, n] : drawn)
            if (!count.count(name)) count[name] = n;
        std::size_t spare = 0;
        for (const auto& [name, n] : count) {
            const char* c = nullptr;
            for (const auto& known : kClassColours)
                if (known.name == name) c = known.colour;
            if (!c) c = kSpareColours[spare++ % std::size(kSpareColours)];
            colour[name] = c;
        }
    }
    const char* of(const std::string& name) const {
        auto it = colour.find(name.empty() ? "unknown" : name);
        return it == colour.end() ? kFailedBarColour : it->second;
    }
};

const char* build_colour(Answer a) {
    switch (a) {
        case Answer::old_build: return kOldColour;
        case Answer::new_build: return kNewColour;
        case Answer::other_build: return kOtherColour;
        case Answer::failed: break;
    }
    return kFailedBarColour;
}

// The drawing's geometry: one time axis shared by the latency panel and the
// bars below it.
struct Layout {
    static constexpr double width = 1000, left = 66, right = 14;
    static constexpr double label_row = 13, scatter_h = 250, gap = 20, bars_h = 110, bottom = 38;
    double t_begin_ns = 0;  // the zoomed panel starts after the run's start
    double t_end_ns = 1e6;
    std::size_t label_rows = 0;

    double plot_w() const { return width - left - right; }
    double x(double t_ns) const {
        return left + plot_w() * std::clamp((t_ns - t_begin_ns) / (t_end_ns - t_begin_ns), 0.0, 1.0);
    }
    bool shows(double t_ns) const { return t_ns >= t_begin_ns && t_ns <= t_end_ns; }
    double scatter_top() const { return 6 + label_rows * label_row + 4; }
    double scatter_bottom() const { return scatter_top() + scatter_h; }
    double bars_top() const { return scatter_bottom() + gap; }
    double bars_bottom() const { return bars_top() + bars_h; }
    double height() const { return bars_bottom() + bottom; }
};

// Latency on a log scale, whole decades from below the fastest to above the
// slowest request.
struct LogScale {
    double lo = 100, hi = 1e6, top = 0, bottom = 0;
    double y(double us) const {
        const double v = std::clamp(us, lo, hi);
        return bottom - (bottom - top) * (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    }
};

LogScale latency_scale(const SwapReport& r, const Layout& g) {
    double lo = 0, hi = 0;
    auto see = [&](double us) {
        if (!(us > 0) || !std::isfinite(us)) return;
        lo = lo == 0 ? us : std::min(lo, us);
        hi = std::max(hi, us);
    };
    for (const auto& p : r.points) see(p.latency_us);
    for (const auto& b : r.measures.timeline) see(b.max_latency_us);
    LogScale s;
    if (hi > 0) {
        s.lo = std::pow(10.0, std::floor(std::log10(lo)));
        s.hi = std::pow(10.0, std::ceil(std::log10(hi)));
        if (s.hi <= s.lo) s.hi = s.lo * 10;
    }
    s.top = g.scatter_top();
    s.bottom = g.scatter_bottom();
    return s;
}

std::int64_t bucket_width(const SwapMeasures& m) {
    if (m.bucket_ns > 0) return m.bucket_ns;
    if (m.timeline.size() >= 2) return std::max<std::int64_t>(1, m.timeline[1].start_ns - m.timeline[0].start_ns);
    return 0;
}

// The buckets as drawn: neighbours merged (counts summed, latency maxed) so
// that no bar is narrower than about two pixels, however long the run.
struct DrawnBuckets {
    std::vector<TimelineBucket> buckets;
    std::int64_t width_ns = 0;
};

DrawnBuckets drawn_buckets(const SwapMeasures& m, const Layout& g) {
    DrawnBuckets d;
    const std::int64_t bw = bucket_width(m);
    if (bw <= 0 || m.timeline.empty()) return d;
    const double bar_px = g.plot_w() * static_cast<double>(bw) / (g.t_end_ns - g.t_begin_ns);
    const auto merge = static_cast<std::size_t>(std::max(1.0, std::ceil(2.0 / bar_px)));
    d.width_ns = bw * static_cast<std::int64_t>(merge);
    for (std::size_t i = 0; i < m.timeline.size(); ++i) {
        const TimelineBucket& b = m.timeline[i];
        if (i % merge == 0) {
            d.buckets.push_back(b);
            continue;
        }
        TimelineBucket& into = d.buckets.back();
        into.old_build += b.old_build;
        into.new_build += b.new_build;
        into.other_build += b.other_build;
        into.failed += b.failed;
        into.max_latency_us = std::max(into.max_latency_us, b.max_latency_us);
    }
    return d;
}

double run_end_ns(const SwapReport& r) {
    double end = 0;
    for (const auto& p : r.points) end = std::max(end, static_cast<double>(p.t_ns));
    const std::int64_t bw = bucket_width(r.measures);
    for (const auto& b : r.measures.timeline) end = std::max(end, static_cast<double>(b.start_ns + bw));
    for (const auto& e : r.trace.events) end = std::max(end, static_cast<double>(e.t_ns));
    for (std::int64_t t : {r.trace.end_ns, r.trace.window_end_ns, r.measures.during_end_ns})
        end = std::max(end, static_cast<double>(t));
    return std::max(end * 1.01, 1e6);
}

// A step's label, laid out in lanes above the plot so that none overlap
// (steps often come a millisecond apart), with a leader line down to the
// step's instant.
struct StepLabel {
    const SwapEvent* event;
    double anchor;  // the instant's x
    double x;       // where the text starts
    std::string text;
    std::size_t row;
};

std::vector<StepLabel> place_step_labels(const SwapTrace& trace, Layout& g) {
    constexpr double max_shift = 160;  // how far right of its instant a label may sit
    std::vector<StepLabel> labels;
    std::vector<svg::LabelWanted> wanted;
    for (const auto& e : trace.events) {
        if (!g.shows(static_cast<double>(e.t_ns))) continue;
        const double anchor = g.x(static_cast<double>(e.t_ns));
        labels.push_back({&e, anchor, anchor, e.name + " " + fixed(e.t_ns / 1e6, 1) + "ms", 0});
        wanted.push_back({anchor, svg::text_width(labels.back().text.size())});
    }
    const auto placed = svg::place_labels(wanted, 2, Layout::width - 2, max_shift);
    std::size_t rows = 1;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        labels[i].x = placed[i].x;
        labels[i].row = placed[i].lane;
        rows = std::max(rows, placed[i].lane + 1);
    }
    g.label_rows = rows;
    return labels;
}

void draw_time_axis(std::string& s, const Layout& g) {
    const double step = nice_step(g.t_end_ns - g.t_begin_ns, 10);
    const double axis_y = g.bars_bottom();
    for (double t = std::ceil(g.t_begin_ns / step) * step; t <= g.t_end_ns + step * 1e-9; t += step) {
        const std::string x = coord(g.x(t));
        s += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + coord(g.scatter_top()) + "\" y2=\"" + coord(axis_y) +
             "\" stroke=\"#eee\"/>";
        s += "<text x=\"" + x + "\" y=\"" + coord(axis_y + 14) + "\" text-anchor=\"middle\">" + time_tick(t, step) +
             "</text>\n";
    }
    s += "<text x=\"" + coord(Layout::left + g.plot_w() / 2) + "\" y=\"" + coord(axis_y + 31) +
         "\" text-anchor=\"middle\">time since the run started (each request at its intended send time)</text>\n";
}

void draw_latency_axis(std::string& s, const Layout& g, const LogScale& ls) {
    for (double v = ls.lo; v <= ls.hi * 1.001; v *= 10) {
        const std::string y = coord(ls.y(v));
        s += "<line x1=\"" + coord(Layout::left) + "\" x2=\"" + coord(Layout::width - Layout::right) + "\" y1=\"" + y +
             "\" y2=\"" + y + "\" stroke=\"#e4e4e4\"/>";
        s += "<text x=\"" + coord(Layout::left - 6) + "\" y=\"" + coord(ls.y(v) + 4) + "\" text-anchor=\"end\">" +
             latency_tick(v) + "</text>\n";
    }
    const std::string mid = coord((g.scatter_top() + g.scatter_bottom()) / 2);
    s +=
        "<text transform=\"translate(13," + mid + ") rotate(-90)\" text-anchor=\"middle\">latency (log scale)</text>\n";
}

// Shaded spans behind the marks: the swap in progress, the rename window.
void draw_bands(std::string& s, const SwapReport& r, const Layout& g) {
    const std::string top = coord(g.scatter_top()), h = coord(g.bars_bottom() - g.scatter_top());
    auto band = [&](double from_ns, double to_ns, const char* fill, const char* opacity, const std::string& title) {
        const double x0 = g.x(from_ns), w = std::max(1.5, g.x(to_ns) - x0);
        s += "<rect x=\"" + coord(x0) + "\" y=\"" + top + "\" width=\"" + coord(w) + "\" height=\"" + h + "\" fill=\"" +
             fill + "\" fill-opacity=\"" + opacity + "\"><title>" + markup_escape(title) + "</title></rect>\n";
    };
    const auto& t = r.trace;
    if (t.start_ns >= 0 && r.measures.during_end_ns > t.start_ns)
        band(static_cast<double>(t.start_ns), static_cast<double>(r.measures.during_end_ns), "#000", "0.045",
             "the swap in progress (the \"during\" phase)");
    if (t.window_start_ns >= 0 && t.window_end_ns >= t.window_start_ns)
        band(static_cast<double>(t.window_start_ns), static_cast<double>(t.window_end_ns), kWindowColour, "0.22",
             "rename window: the live path held no complete module for " + format_duration_us(r.measures.window_us));
}

// Each request a dot (a zero-length stroke with a round cap), one path per
// colour; failures on top, with square caps.
void draw_points(std::string& s, const SwapReport& r, const Layout& g, const LogScale& ls,
                 const FailureClasses& classes) {
    std::map<const char*, std::string> answered, failed;
    for (const auto& p : r.points) {
        if (p.t_ns < 0 || !g.shows(static_cast<double>(p.t_ns))) continue;
        std::string& path =
            p.answer == Answer::failed ? failed[classes.of(p.failure)] : answered[build_colour(p.answer)];
        path += 'M';
        path += coord(g.x(static_cast<double>(p.t_ns)));
        path += ' ';
        path += coord(ls.y(p.latency_us));
        path += "h0";
    }
    for (const auto& [colour, path] : answered)
        s += std::string("<path d=\"") + path + "\" stroke=\"" + colour +
             "\" stroke-width=\"3.2\" stroke-linecap=\"round\" stroke-opacity=\"0.6\" fill=\"none\"/>\n";
    for (const auto& [colour, path] : failed)
        s += std::string("<path d=\"") + path + "\" stroke=\"" + colour +
             "\" stroke-width=\"4.5\" stroke-linecap=\"square\" fill=\"none\"/>\n";
}

void draw_latency_line(std::string& s, const DrawnBuckets& d, const Layout& g, const LogScale& ls) {
    const std::int64_t bw = d.width_ns;
    std::string path;
    bool open = false;
    for (const auto& b : d.buckets) {
        if (!(b.max_latency_us > 0) || !g.shows(static_cast<double>(b.start_ns) + bw / 2.0)) {
            open = false;
            continue;
        }
        path += open ? 'L' : 'M';
        path += coord(g.x(static_cast<double>(b.start_ns) + bw / 2.0)) + ' ' + coord(ls.y(b.max_latency_us));
        open = true;
    }
    if (!path.empty())
        s += "<path d=\"" + path + "\" stroke=\"" + kLatencyLineColour +
             "\" stroke-width=\"1.3\" fill=\"none\" stroke-linejoin=\"round\"/>\n";
}

void draw_bars(std::string& s, const DrawnBuckets& d, const Layout& g) {
    const std::int64_t bw = d.width_ns;
    std::uint32_t most = 0;
    for (const auto& b : d.buckets) most = std::max(most, b.old_build + b.new_build + b.other_build + b.failed);
    const double base = g.bars_bottom();
    s += "<line x1=\"" + coord(Layout::left) + "\" x2=\"" + coord(Layout::width - Layout::right) + "\" y1=\"" +
         coord(base) + "\" y2=\"" + coord(base) + "\" stroke=\"#999\"/>\n";
    const std::string mid = coord((g.bars_top() + base) / 2);
    s += "<text transform=\"translate(13," + mid + ") rotate(-90)\" text-anchor=\"middle\">requests per " +
         (bw > 0 ? latency_tick(bw / 1e3) : std::string("bucket")) + "</text>\n";
    if (most == 0 || bw <= 0) return;
    const double per = Layout::bars_h / most;
    for (std::uint32_t v : {most / 2, most}) {
        if (v == 0) continue;
        s += "<text x=\"" + coord(Layout::left - 6) + "\" y=\"" + coord(base - v * per + 4) +
             "\" text-anchor=\"end\">" + std::to_string(v) + "</text>";
    }
    s += "\n";
    for (const auto& b : d.buckets) {
        if (b.start_ns + bw < g.t_begin_ns || b.start_ns > g.t_end_ns) continue;
        const double x0 = g.x(static_cast<double>(b.start_ns));
        const double w0 = g.x(static_cast<double>(b.start_ns + bw)) - x0;
        const double w = w0 > 3 ? w0 - 0.6 : w0;
        if (w <= 0) continue;
        s += "<g><title>" + fixed(b.start_ns / 1e6, 0) + "ms: old " + std::to_string(b.old_build) + ", new " +
             std::to_string(b.new_build) + ", other " + std::to_string(b.other_build) + ", failed " +
             std::to_string(b.failed) + ", max latency " + format_duration_us(b.max_latency_us) + "</title>";
        double y = base;
        for (const auto& [n, colour] :
             {std::pair{b.old_build, kOldColour}, std::pair{b.new_build, kNewColour},
              std::pair{b.other_build, kOtherColour}, std::pair{b.failed, kFailedBarColour}}) {
            if (n == 0) continue;
            const double h = n * per;
            y -= h;
            s += "<rect x=\"" + coord(x0) + "\" y=\"" + coord(y) + "\" width=\"" + coord(w) + "\" height=\"" +
                 coord(h) + "\" fill=\"" + colour + "\"/>";
        }
        s += "</g>\n";
    }
}

void draw_steps(std::string& s, const std::vector<StepLabel>& labels, const Layout& g) {
    for (const auto& l : labels) {
        const double text_y = 6 + Layout::label_row * (static_cast<double>(l.row) + 1) - 3;
        const std::string anchor = coord(l.anchor);
        s += "<g class=\"step\"><title>" + markup_escape(l.event->name) + " at " + fixed(l.event->t_ns / 1e6, 3) +
             "ms" + (l.event->detail.empty() ? "" : ": " + markup_escape(l.event->detail)) + "</title>";
        // The leader: from under the label's start down to the instant at
        // the plot's top, then the dashed marker through the plot.
        s += "<path d=\"M" + coord(l.x + 1) + ' ' + coord(text_y + 2) + "L" + anchor + ' ' + coord(g.scatter_top()) +
             "\" stroke=\"" + kStepColour + "\" stroke-width=\"0.8\" fill=\"none\"/>";
        s += "<line x1=\"" + anchor + "\" x2=\"" + anchor + "\" y1=\"" + coord(g.scatter_top()) + "\" y2=\"" +
             coord(g.bars_bottom()) + "\" stroke=\"" + kStepColour + "\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>";
        s += "<text x=\"" + coord(l.x + 1) + "\" y=\"" + coord(text_y) + "\">" + markup_escape(l.text) + "</text></g>\n";
    }
}

std::string timeline_svg(const SwapReport& r, const FailureClasses& classes, double begin_ns, double end_ns,
                         const char* what) {
    Layout g;
    g.t_begin_ns = begin_ns;
    g.t_end_ns = end_ns;
    const auto labels = place_step_labels(r.trace, g);
    const LogScale ls = latency_scale(r, g);
    const DrawnBuckets buckets = drawn_buckets(r.measures, g);
    std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + coord(Layout::width) + " " +
                    coord(g.height()) + "\" width=\"" + coord(Layout::width) + "\" height=\"" + coord(g.height()) +
                    "\" role=\"img\" aria-label=\"" + what + "\">\n";
    draw_bands(s, r, g);
    draw_time_axis(s, g);
    draw_latency_axis(s, g, ls);
    draw_bars(s, buckets, g);
    draw_points(s, r, g, ls, classes);
    draw_latency_line(s, buckets, g, ls);
    draw_steps(s, labels, g);
    if (r.points.empty() && r.measures.timeline.empty())
        s += "<text x=\"" + coord(Layout::left + g.plot_w() / 2) + "\" y=\"" +
             coord((g.scatter_top() + g.scatter_bottom()) / 2) +
             "\" text-anchor=\"middle\">no requests recorded</text>\n";
    s += "</svg>\n";
    return s;
}

std::string legend(const SwapReport& r, const FailureClasses& classes) {
    const auto& m = r.measures;
    std::string s = "<div class=\"legend\">";
    s += html::legend_item(kOldColour, "old build (" + std::to_string(m.answered_old) + ")");
    s += html::legend_item(kNewColour, "new build (" + std::to_string(m.answered_new) + ")");
    s += html::legend_item(kOtherColour, "other build (" + std::to_string(m.answered_other) + ")");
    for (const auto& [name, n] : classes.count)
        s += html::legend_item(classes.colour.at(name),
                               "failed: " + markup_escape(name) + " (" + std::to_string(n) + ")");
    s += "</div>\n<div class=\"legend\">";
    s += html::legend_item(kFailedBarColour, "failed, any class (bars)");
    s += html::legend_item(kLatencyLineColour, "max latency per bucket (line)", "height:2px;vertical-align:3px");
    s += html::legend_item(kStepColour, "swap step (dashed marker)", "width:2px");
    if (r.trace.window_start_ns >= 0) s += html::legend_item("rgba(228,87,86,.35)", "rename window");
    s += html::legend_item("rgba(0,0,0,.09)", "swap in progress");
    s += "</div>\n";
    return s;
}

}  // namespace

SwapZoom swap_zoom(const SwapReport& r) {
    const SwapTrace& t = r.trace;
    if (t.start_ns < 0) return {};
    std::int64_t last = std::max(t.start_ns, t.end_ns);
    for (std::int64_t e : {t.window_end_ns, r.measures.during_end_ns}) last = std::max(last, e);
    const std::int64_t margin = std::max<std::int64_t>(5'000'000, (last - t.start_ns) / 5);
    return {true, std::max<std::int64_t>(0, t.start_ns - margin), last + margin};
}

std::string swap_timeline_html(const SwapReport& r) {
    const FailureClasses classes(r);
    const double end = run_end_ns(r);
    std::string s = timeline_svg(r, classes, 0, end, "requests over time, by build and failure, with the swap steps") +
                    legend(r, classes);
    // Steps a few milliseconds apart share a pixel of a minute's chart: the
    // swap window gets its own panel, unless it already fills half the run.
    const SwapZoom z = swap_zoom(r);
    if (!z.shown || static_cast<double>(z.end_ns - z.begin_ns) > end / 2) return s;
    s += "<h3 id=\"swap-zoom\">The swap, zoomed: " + fixed(z.begin_ns / 1e6, 1) + " to " + fixed(z.end_ns / 1e6, 1) +
         " ms</h3>\n<p class=\"muted\">From just before the first step to just after the last one (or the first "
         "answer of the new build, if later): the same steps, requests and failures.</p>\n";
    s += timeline_svg(r, classes, static_cast<double>(z.begin_ns), static_cast<double>(z.end_ns),
                      "the swap window zoomed: requests, failures and the swap steps");
    return s;
}

}  // namespace isapi::loadgen
