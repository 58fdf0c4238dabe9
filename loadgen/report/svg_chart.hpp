#pragma once
// Line charts as inline SVG for the HTML reports, and the tick arithmetic
// the swap timeline shares: axes with labelled ticks (linear or log), one
// <path> per series, nothing that needs JavaScript to read. A point whose y
// is not finite breaks its line (a bucket with nothing to show).
#include <string>
#include <vector>

namespace isapi::loadgen::svg {

// "1.5", "200": a tick value without trailing zeros.
std::string tick_number(double v);
// 1, 2 or 5 times a power of ten, so that `span` holds about `ticks` steps.
double nice_step(double span, double ticks);
// A time tick in the unit its step reads best in: "250ms", "2s".
std::string time_tick(double ns, double step_ns);
// A latency tick: "800us", "1.5ms", "2s".
std::string latency_tick(double us);

enum class Scale { linear, log };

struct Tick {
    double at = 0;
    std::string label;
};

struct Axis {
    Scale scale = Scale::linear;
    double lo = 0, hi = 1;  // log: both > 0
    std::vector<Tick> ticks;
    std::string title;
};

struct Point {
    double x = 0, y = 0;
};

struct Series {
    std::string name;    // the legend's and the path's data-series
    std::string colour;
    std::vector<Point> points;
    double stroke_width = 1.6;
};

struct LineChart {
    std::string label;  // aria-label
    double width = 1000, height = 280;
    Axis x, y;
    std::vector<Series> series;
};

std::string line_chart(const LineChart& c);

// Axes with their ticks: time from 0 to `end_ns`; a linear count or rate
// from 0; latency from `lo_us` to `hi_us`, linear from 0 or whole decades
// on a log scale.
Axis time_axis(double end_ns, std::string title);
Axis count_axis(double most, std::string title);
Axis latency_axis(double lo_us, double hi_us, Scale scale, std::string title);

}  // namespace isapi::loadgen::svg
