#include "run_html.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "html_page.hpp"
#include "svg_chart.hpp"
#include "../models/units.hpp"

namespace isapi::loadgen {
namespace {

using html::fixed;

constexpr const char* kP50Colour = "#4c78a8";
constexpr const char* kP99Colour = "#f58518";
constexpr const char* kMaxColour = "#c62828";
constexpr const char* kAnsweredColour = "#54a24b";
constexpr const char* kErrorColour = "#c62828";
constexpr const char* kUncorrectedColour = "#9e9e9e";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string duration(double us) { return format_duration_us(us); }

std::string row(std::string_view name, const std::string& value_html) {
    return "<tr><th>" + std::string(name) + "</th><td>" + value_html + "</td></tr>\n";
}

std::string header(const ReportInput& in, std::string_view command_line) {
    const RunResult& r = *in.result;
    const RunStats& s = r.stats;
    std::string h = "<h1>isapi-loadgen " + markup_escape(in.command) + " <code>" + markup_escape(in.target) + "</code>";
    if (!in.thresholds.empty()) {
        const bool passed = std::none_of(in.thresholds.begin(), in.thresholds.end(), [](auto& t) { return t.broken; });
        h += passed ? " <span class=\"badge pass\">PASS</span>" : " <span class=\"badge fail\">FAIL</span>";
    }
    h += "</h1>\n<table class=\"summary\">\n";
    if (!command_line.empty()) h += row("command", "<code>" + markup_escape(command_line) + "</code>");
    h += row("target", "<code>" + markup_escape(in.target) + "</code>");
    std::string model = model_name(in.model);
    if (in.model == Model::open_rate) model += " loop at " + fixed(in.target_rate, 0) + " req/s planned";
    else model += " loop";
    h += row("model", markup_escape(model) + ", " + std::to_string(r.threads) + " threads, " +
                          std::to_string(r.connections) + " connections");
    h += row("duration", fixed(r.elapsed_s, 2) + " s");
    h += row("requests", "sent " + std::to_string(s.sent()) + ", answered " + std::to_string(s.answered()) +
                             ", dropped " + std::to_string(s.dropped()) + ", errors " + std::to_string(s.errors()) +
                             "; " + fixed(r.achieved_rate, 1) + " answered/s");
    const Histogram& l = s.corrected();
    if (l.count())
        h += row(in.model == Model::closed ? "latency" : "latency (corrected)",
                 "p50 " + duration(static_cast<double>(l.percentile(50))) + ", p90 " +
                     duration(static_cast<double>(l.percentile(90))) + ", p99 " +
                     duration(static_cast<double>(l.percentile(99))) + ", p99.9 " +
                     duration(static_cast<double>(l.percentile(99.9))) + ", max " +
                     duration(static_cast<double>(l.max())) + ", mean " + duration(l.mean()));
    std::string classes;
    for (auto c : all_classes())
        if (s.count(c)) classes += (classes.empty() ? "" : ", ") + std::string(class_name(c)) + " " + std::to_string(s.count(c));
    h += row("classes", classes.empty() ? "-" : markup_escape(classes));
    if (r.tls) {
        const TlsTally& t = *r.tls;
        std::string tls = t.handshakes == 0 ? std::string("no handshake completed")
                                            : t.protocol + " " + t.cipher + ", " + std::to_string(t.handshakes) +
                                                  " handshakes, " + std::to_string(t.resumed) + " resumed";
        if (t.failed) tls += "; " + std::to_string(t.failed) + " failed: " + t.first_error;
        h += row("tls", markup_escape(tls));
    }
    if (in.malformed) h += row("skipped", std::to_string(in.malformed) + " malformed replay lines");
    if (!r.log_error.empty()) h += row("warning", markup_escape(r.log_error));
    h += "</table>\n";
    if (in.thresholds.empty()) return h;
    h += "<h2>Expectations</h2>\n<table class=\"thresholds\"><tr><th>condition</th><th>outcome</th></tr>\n";
    for (const auto& t : in.thresholds)
        h += std::string("<tr><td><code>") + (t.threshold.expect ? "--expect " : "--fail-if ") +
             markup_escape(t.threshold.text) + "</code></td><td class=\"" + (t.broken ? "bad" : "good") + "\">" +
             (t.broken ? "broken: " : "held: ") + markup_escape(t.message) + "</td></tr>\n";
    h += "</table>\n";
    return h;
}

std::string legend(std::initializer_list<std::pair<const char*, const char*>> items) {
    std::string s = "<div class=\"legend\">";
    for (const auto& [colour, label] : items) s += html::legend_item(colour, label, "height:3px;vertical-align:3px");
    return s + "</div>\n";
}

// The buckets' middles and the seconds each one covered: the last one ends
// when the run did, so its rate is not understated. A last bucket the run
// covered less than half of holds only the final stragglers: its rate
// would read as a collapse, so it is not drawn.
struct BucketTimes {
    std::vector<double> middle_ns;
    std::vector<double> seconds;
};

BucketTimes bucket_times(const TimeSeries& t, double elapsed_s) {
    BucketTimes b;
    const double w = static_cast<double>(t.width_ns());
    for (std::size_t i = 0; i < t.buckets().size(); ++i) {
        const double start = w * static_cast<double>(i);
        const double end = std::max(start + w / 10, std::min(start + w, elapsed_s * 1e9));
        if (i > 0 && i + 1 == t.buckets().size() && end - start < w / 2) break;
        b.middle_ns.push_back((start + end) / 2);
        b.seconds.push_back((end - start) / 1e9);
    }
    return b;
}

std::string latency_over_time(const TimeSeries& t, const BucketTimes& times, double end_ns, const char* which) {
    svg::Series p50{"p50", kP50Colour, {}, 1.8}, p99{"p99", kP99Colour, {}, 1.8}, top{"max", kMaxColour, {}, 1.3};
    double lo = 0, hi = 0;
    for (std::size_t i = 0; i < times.middle_ns.size(); ++i) {
        const CoarseHistogram& h = t.buckets()[i].latency;
        const double x = times.middle_ns[i];
        if (h.count() == 0) {
            for (auto* s : {&p50, &p99, &top}) s->points.push_back({x, kNaN});
            continue;
        }
        const double a = static_cast<double>(h.percentile(50)), b = static_cast<double>(h.percentile(99)),
                     c = static_cast<double>(h.max());
        p50.points.push_back({x, a});
        p99.points.push_back({x, b});
        top.points.push_back({x, c});
        lo = lo == 0 ? a : std::min(lo, a);
        hi = std::max(hi, c);
    }
    // A log axis when the slowest bucket is far above the typical request,
    // so p50 does not lie flat on the floor; linear otherwise.
    const bool log = hi > 0 && lo > 0 && hi / lo > 20;
    svg::LineChart c;
    c.label = "latency over time: p50, p99 and max per bucket";
    c.x = svg::time_axis(end_ns, "time since the run started");
    c.y = svg::latency_axis(lo, hi, log ? svg::Scale::log : svg::Scale::linear,
                            std::string("latency") + which + (log ? " (log scale)" : ""));
    c.series = {p50, p99, top};
    return svg::line_chart(c);
}

std::string throughput_over_time(const TimeSeries& t, const BucketTimes& times, double end_ns) {
    svg::Series answered{"answered/s", kAnsweredColour, {}, 1.8}, errors{"errors/s", kErrorColour, {}, 1.6};
    double most = 0;
    for (std::size_t i = 0; i < times.middle_ns.size(); ++i) {
        const TimeBucket& b = t.buckets()[i];
        const double a = static_cast<double>(b.latency.count()) / times.seconds[i];
        const double e = static_cast<double>(b.errors) / times.seconds[i];
        answered.points.push_back({times.middle_ns[i], a});
        errors.points.push_back({times.middle_ns[i], e});
        most = std::max({most, a, e});
    }
    svg::LineChart c;
    c.label = "answered and failed requests per second over time";
    c.height = 230;
    c.x = svg::time_axis(end_ns, "time since the run started");
    c.y = svg::count_axis(most * 1.05, "requests per second");
    c.series = {answered, errors};
    return svg::line_chart(c);
}

// "99.9%" for 1/(1-p) = 1000.
std::string percentile_label(double x) {
    return svg::tick_number(std::round((100.0 - 100.0 / x) * 1e6) / 1e6) + "%";
}

svg::Series spectrum_series(const Histogram& h, double x_hi, std::string name, const char* colour) {
    svg::Series s{std::move(name), colour, {}, 1.8};
    if (h.count() == 0) return s;
    // Past 1/(1-p) = count every percentile is the maximum: the line ends
    // there, as HdrHistogram's plots end.
    const double last = std::min(x_hi, std::max(1.0, static_cast<double>(h.count())));
    for (double e = 0; e < std::log10(last); e += 0.02) {
        const double x = std::pow(10.0, e);
        s.points.push_back({x, static_cast<double>(h.percentile(100.0 - 100.0 / x))});
    }
    s.points.push_back({last, static_cast<double>(h.max())});
    return s;
}

std::string spectrum(const ReportInput& in) {
    const RunStats& s = in.result->stats;
    // 50% to 99.999% always; further when the run holds enough requests.
    double x_hi = 1e5;
    while (x_hi < static_cast<double>(s.corrected().count()) && x_hi < 1e7) x_hi *= 10;
    svg::LineChart c;
    c.label = "latency by percentile";
    c.x.scale = svg::Scale::log;
    c.x.lo = 1;
    c.x.hi = x_hi;
    c.x.title = "percentile (log scale of 1/(1-p))";
    c.x.ticks.push_back({1, "0%"});
    c.x.ticks.push_back({2, "50%"});
    for (double x = 10; x <= x_hi * 1.001; x *= 10) c.x.ticks.push_back({x, percentile_label(x)});
    const bool closed = in.model == Model::closed;
    c.series.push_back(spectrum_series(s.corrected(), x_hi, closed ? "latency" : "corrected", kP50Colour));
    if (!closed) c.series.push_back(spectrum_series(s.uncorrected(), x_hi, "uncorrected", kUncorrectedColour));
    c.y = svg::latency_axis(0, static_cast<double>(std::max(s.corrected().max(), s.uncorrected().max())),
                            svg::Scale::linear, "latency");
    return svg::line_chart(c);
}

}  // namespace

std::string run_html_report(const ReportInput& in, std::string_view command_line) {
    const RunResult& r = *in.result;
    const TimeSeries& t = r.stats.over_time();
    const BucketTimes times = bucket_times(t, r.elapsed_s);
    const double end_ns = std::max(r.elapsed_s * 1e9, 1e6);
    const bool closed = in.model == Model::closed;
    const char* which = closed ? "" : ", corrected";
    std::string page = html::page_start("isapi-loadgen " + in.command + " " + in.target,
                                        "table.summary th{width:110px}\n");
    page += header(in, command_line);
    page += "<h2 id=\"latency-over-time\">Latency over time</h2>\n<p class=\"muted\">Per " +
            svg::latency_tick(static_cast<double>(t.width_ns()) / 1e3) +
            " bucket, by when each request ended" +
            (closed ? std::string() : "; from each request's intended send time, so queueing counts") + ".</p>\n";
    page += legend({{kP50Colour, "p50"}, {kP99Colour, "p99"}, {kMaxColour, "max"}});
    page += latency_over_time(t, times, end_ns, which);
    page += "<h2 id=\"throughput-over-time\">Throughput and errors over time</h2>\n"
            "<p class=\"muted\">Answered requests per second, and requests that did not end <code>ok</code> "
            "(an error status or dropped) per second.</p>\n";
    page += legend({{kAnsweredColour, "answered/s"}, {kErrorColour, "errors/s"}});
    page += throughput_over_time(t, times, end_ns);
    page += "<h2 id=\"percentile-spectrum\">Latency by percentile</h2>\n<p class=\"muted\">The whole run's "
            "distribution as HdrHistogram plots it: each step right is ten times rarer. "
            "<code>--hgrm FILE</code> writes the numbers.</p>\n";
    page += closed ? legend({{kP50Colour, "latency"}})
                   : legend({{kP50Colour, "corrected (from the intended send time)"},
                             {kUncorrectedColour, "uncorrected (from the actual send)"}});
    page += spectrum(in);
    page += html::page_end();
    return page;
}

}  // namespace isapi::loadgen
