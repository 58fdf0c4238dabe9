#pragma once
// leak_per_cycle: what a module's load/unload cycles leave behind. After
// an unload the process's usage is sampled, tagged with the number of cycles
// so far; once a warm-up has passed, least-squares lines through the last
// two windows of `cycles` samples of each resource tell growth from noise: a
// finding needs, in both windows, a slope per cycle past its threshold and a
// good fit (r² at least `min_fit`), so a one-off jump, jitter or a warm-up
// that levels off raises nothing. One finding per trend (per module). No
// I/O: the caller samples, after every cycle or after some of them (a
// sample costs tens of us of /proc reads).
#include <isapi/platform/resource_usage.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>

namespace isapi::host {

struct LineFit {
    double slope = 0;  // y per x
    double fit = 0;    // r², 0..1 (0 for a flat line: nothing to explain)
};

// Least squares through (x0, y0), (x1, y1), ... (spans of the same size).
LineFit fit_line(std::span<const double> xs, std::span<const double> ys);

// Per cycle. Memory thresholds sit above what a host warming up under
// concurrent churn shows (thread caches and arenas filling: a few KiB of
// heap and tens of KiB of RSS per cycle, sometimes in a straight line).
struct LeakThresholds {
    double rss_bytes = 48 * 1024.0;
    double heap_bytes = 16 * 1024.0;
    double fds = 0.5;
    double threads = 0.5;
    double min_fit = 0.9;
};

struct LeakTrendOptions {
    std::size_t cycles = 16;  // samples per window; the growth must hold in two in a row (at least 3)
    std::size_t warm_up = 8;  // samples of the first cycles are ignored: caches and arenas fill up then
    LeakThresholds thresholds{};
};

class LeakTrend {
public:
    explicit LeakTrend(LeakTrendOptions options = {});

    // The usage after `cycle` cycles (counting from 1, increasing from call
    // to call). Returns the evidence ("leaks 64.0 KiB and 1 fd per cycle
    // (...)") the first time a resource grows; nullopt otherwise, and always
    // after that.
    std::optional<std::string> add(std::uint64_t cycle, const platform::ResourceUsage& usage);

private:
    struct Sample {
        std::uint64_t cycle;
        platform::ResourceUsage usage;
    };
    LeakTrendOptions options_;
    bool reported_ = false;
    std::deque<Sample> window_;
};

}  // namespace isapi::host
