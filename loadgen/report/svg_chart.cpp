#include "svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "html_page.hpp"

namespace isapi::loadgen::svg {
namespace {

using html::coord;

// Room on the right for the last x tick's label, centred on the edge.
constexpr double kLeft = 70, kRight = 34, kTop = 10, kBottom = 40;

double position(const Axis& a, double v) {
    if (a.scale == Scale::log) {
        const double lo = std::log10(a.lo), hi = std::log10(a.hi);
        return (std::log10(std::clamp(v, a.lo, a.hi)) - lo) / (hi - lo);
    }
    return (std::clamp(v, a.lo, a.hi) - a.lo) / (a.hi - a.lo);
}

}  // namespace

std::string tick_number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

double nice_step(double span, double ticks) {
    const double raw = span / ticks;
    const double decade = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0})
        if (m * decade >= raw) return m * decade;
    return 10 * decade;
}

std::string time_tick(double ns, double step_ns) {
    if (step_ns >= 1e9) return tick_number(ns / 1e9) + "s";
    if (step_ns >= 1e6) return tick_number(ns / 1e6) + "ms";
    return tick_number(ns / 1e3) + "us";
}

std::string latency_tick(double us) {
    if (us == 0) return "0";
    if (us >= 1e6) return tick_number(us / 1e6) + "s";
    if (us >= 1e3) return tick_number(us / 1e3) + "ms";
    return tick_number(us) + "us";
}

Axis time_axis(double end_ns, std::string title) {
    Axis a;
    a.hi = std::max(end_ns, 1e6);
    a.title = std::move(title);
    const double step = nice_step(a.hi, 10);
    for (double t = 0; t <= a.hi + step * 1e-9; t += step) a.ticks.push_back({t, time_tick(t, step)});
    return a;
}

Axis count_axis(double most, std::string title) {
    Axis a;
    const double step = nice_step(std::max(most, 1.0), 5);
    a.hi = std::ceil(std::max(most, 1.0) / step) * step;
    a.title = std::move(title);
    for (double v = 0; v <= a.hi + step * 1e-9; v += step) a.ticks.push_back({v, tick_number(v)});
    return a;
}

Axis latency_axis(double lo_us, double hi_us, Scale scale, std::string title) {
    Axis a;
    a.scale = scale;
    a.title = std::move(title);
    hi_us = std::max(hi_us, 1.0);
    if (scale == Scale::log) {
        a.lo = std::pow(10.0, std::floor(std::log10(std::max(lo_us, 1.0))));
        a.hi = std::pow(10.0, std::ceil(std::log10(hi_us)));
        if (a.hi <= a.lo) a.hi = a.lo * 10;
        for (double v = a.lo; v <= a.hi * 1.001; v *= 10) a.ticks.push_back({v, latency_tick(v)});
        return a;
    }
    const double step = nice_step(hi_us, 5);
    a.hi = std::ceil(hi_us / step) * step;
    for (double v = 0; v <= a.hi + step * 1e-9; v += step) a.ticks.push_back({v, latency_tick(v)});
    return a;
}

std::string line_chart(const LineChart& c) {
    const double plot_w = c.width - kLeft - kRight, plot_h = c.height - kTop - kBottom;
    const auto px = [&](double x) { return kLeft + plot_w * position(c.x, x); };
    const auto py = [&](double y) { return kTop + plot_h * (1 - position(c.y, y)); };
    std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + coord(c.width) + " " +
                    coord(c.height) + "\" width=\"" + coord(c.width) + "\" height=\"" + coord(c.height) +
                    "\" role=\"img\" aria-label=\"" + markup_escape(c.label) + "\">\n<g class=\"axes\">";
    for (const auto& t : c.x.ticks) {
        const std::string x = coord(px(t.at));
        s += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + coord(kTop) + "\" y2=\"" + coord(kTop + plot_h) +
             "\" stroke=\"#eee\"/><text x=\"" + x + "\" y=\"" + coord(kTop + plot_h + 15) +
             "\" text-anchor=\"middle\">" + markup_escape(t.label) + "</text>";
    }
    for (const auto& t : c.y.ticks) {
        const std::string y = coord(py(t.at));
        s += "<line x1=\"" + coord(kLeft) + "\" x2=\"" + coord(kLeft + plot_w) + "\" y1=\"" + y + "\" y2=\"" + y +
             "\" stroke=\"#e4e4e4\"/><text x=\"" + coord(kLeft - 6) + "\" y=\"" + coord(py(t.at) + 4) +
             "\" text-anchor=\"end\">" + markup_escape(t.label) + "</text>";
    }
    s += "<path d=\"M" + coord(kLeft) + ' ' + coord(kTop) + "V" + coord(kTop + plot_h) + "H" +
         coord(kLeft + plot_w) + "\" stroke=\"#999\" fill=\"none\"/>";
    s += "<text x=\"" + coord(kLeft + plot_w / 2) + "\" y=\"" + coord(c.height - 6) + "\" text-anchor=\"middle\">" +
         markup_escape(c.x.title) + "</text>";
    s += "<text transform=\"translate(14," + coord(kTop + plot_h / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
         markup_escape(c.y.title) + "</text></g>\n";
    for (const auto& series : c.series) {
        // A point alone between gaps is drawn as a dot (a zero-length
        // stroke with a round cap), so it is not lost.
        std::string d;
        std::size_t run = 0;
        const auto close = [&] {
            if (run == 1) d += "h0";
            run = 0;
        };
        for (const auto& p : series.points) {
            if (!std::isfinite(p.y) || (c.y.scale == Scale::log && !(p.y > 0))) {
                close();
                continue;
            }
            d += run ? 'L' : 'M';
            d += coord(px(p.x)) + ' ' + coord(py(p.y));
            ++run;
        }
        close();
        if (d.empty()) continue;
        s += "<path data-series=\"" + markup_escape(series.name) + "\" d=\"" + d + "\" stroke=\"" + series.colour +
             "\" stroke-width=\"" + html::fixed(series.stroke_width, 1) +
             "\" fill=\"none\" stroke-linejoin=\"round\" stroke-linecap=\"round\"><title>" + markup_escape(series.name) + "</title></path>\n";
    }
    s += "</svg>\n";
    return s;
}

}  // namespace isapi::loadgen::svg
