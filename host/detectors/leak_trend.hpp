#pragma once
// leak_per_cycle: what a module's load/unload cycles leave behind. After
// each unload the process's usage is sampled; once a warm-up has passed, a
// least-squares line through the last `cycles` samples of each resource
// tells growth from noise: a finding needs both a slope past its threshold
// and a good fit (r² at least `min_fit`), so a one-off jump or jitter raises
// nothing. One finding per trend (per module). No I/O: the caller samples.
#include <isapi/platform/resource_usage.hpp>

#include <cstddef>
#include <deque>
#include <optional>
#include <span>
#include <string>

namespace isapi::host {

struct LineFit {
    double slope = 0;  // per sample
    double fit = 0;    // r², 0..1 (0 for a flat line: nothing to explain)
};

// Least squares through (0, y0), (1, y1), ...
LineFit fit_line(std::span<const double> ys);

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
    std::size_t cycles = 16;  // the window the line is fitted over (at least 3)
    std::size_t warm_up = 8;  // first cycles ignored: caches and arenas fill up then
    LeakThresholds thresholds{};
};

class LeakTrend {
public:
    explicit LeakTrend(LeakTrendOptions options = {});

    // The usage after one more cycle. Returns the evidence ("leaks 64.0 KiB
    // and 1 fd per cycle (...)") the first time a resource grows; nullopt
    // otherwise, and always after that.
    std::optional<std::string> add(const platform::ResourceUsage& usage);

private:
    LeakTrendOptions options_;
    std::size_t seen_ = 0;
    bool reported_ = false;
    std::deque<platform::ResourceUsage> window_;
};

}  // namespace isapi::host
