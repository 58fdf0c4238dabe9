#include "leak_trend.hpp"

#include <spdlog/fmt/fmt.h>

#include <cmath>
#include <functional>
#include <vector>

namespace isapi::host {
namespace {

std::string count_text(double per_cycle, const char* one, const char* many) {
    const double whole = std::round(per_cycle);
    if (std::fabs(per_cycle - whole) < 0.05) return fmt::format("{:.0f} {}", whole, whole == 1 ? one : many);
    return fmt::format("{:.1f} {}", per_cycle, many);
}

}  // namespace

LineFit fit_line(std::span<const double> xs, std::span<const double> ys) {
    if (ys.size() < 2 || xs.size() != ys.size()) return {};
    const double n = static_cast<double>(ys.size());
    double mean_x = 0, mean_y = 0;
    for (std::size_t i = 0; i < ys.size(); ++i) {
        mean_x += xs[i];
        mean_y += ys[i];
    }
    mean_x /= n;
    mean_y /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < ys.size(); ++i) {
        const double dx = xs[i] - mean_x;
        const double dy = ys[i] - mean_y;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (sxx == 0) return {};  // a single x: no slope to speak of
    LineFit line;
    line.slope = sxy / sxx;
    line.fit = syy > 0 ? (sxy * sxy) / (sxx * syy) : 0;
    return line;
}

LeakTrend::LeakTrend(LeakTrendOptions options) : options_(options) {
    if (options_.cycles < 3) options_.cycles = 3;
}

std::optional<std::string> LeakTrend::add(std::uint64_t cycle, const platform::ResourceUsage& usage) {
    if (reported_ || cycle <= options_.warm_up) return std::nullopt;
    window_.push_back({cycle, usage});
    if (window_.size() > 2 * options_.cycles) window_.pop_front();
    if (window_.size() < 2 * options_.cycles) return std::nullopt;

    // Over both windows together (the figures reported), and over each.
    struct Fits {
        LineFit both, earlier, later;
    };
    const std::size_t half = options_.cycles;
    std::vector<double> xs;
    for (const auto& sample : window_) xs.push_back(static_cast<double>(sample.cycle));
    const std::span<const double> x(xs);
    auto trend = [&](auto field) {
        std::vector<double> ys;
        for (const auto& sample : window_) ys.push_back(static_cast<double>(std::invoke(field, sample.usage)));
        const std::span<const double> y(ys);
        return Fits{fit_line(x, y), fit_line(x.first(half), y.first(half)), fit_line(x.last(half), y.last(half))};
    };
    const auto& t = options_.thresholds;
    // The RSS outside malloc's arenas where malloc tells what it holds: RSS
    // growing with the arenas, while the heap in use stays flat, is the
    // allocator keeping freed memory (seen in a race's large POST bodies,
    // 59.5 KiB per cycle on hello.so), not the extension's leak.
    auto rss_outside_malloc = [](const platform::ResourceUsage& u) {
        return static_cast<double>(u.rss_bytes) - static_cast<double>(u.malloc_held_bytes);
    };
    const Fits rss = trend(rss_outside_malloc);
    const Fits heap = trend(&platform::ResourceUsage::heap_in_use_bytes);
    const Fits fds = trend(&platform::ResourceUsage::open_fds);
    const Fits threads = trend(&platform::ResourceUsage::threads);
    // A leak grows on and on; a process warming up (arenas, caches, several
    // modules churning at once) can grow in a straight line for a window,
    // then levels off. So the growth must hold in two windows in a row.
    auto grows = [&](const Fits& f, double threshold) {
        auto passes = [&](const LineFit& line) { return line.slope >= threshold && line.fit >= t.min_fit; };
        return passes(f.earlier) && passes(f.later);
    };

    std::vector<std::string> leaks;
    // Memory is named once: the heap when malloc's view shows it, else the RSS.
    if (grows(heap, t.heap_bytes)) leaks.push_back(fmt::format("{:.1f} KiB", heap.both.slope / 1024));
    else if (grows(rss, t.rss_bytes)) leaks.push_back(fmt::format("{:.1f} KiB of RSS", rss.both.slope / 1024));
    if (grows(fds, t.fds)) leaks.push_back(count_text(fds.both.slope, "fd", "fds"));
    if (grows(threads, t.threads)) leaks.push_back(count_text(threads.both.slope, "thread", "threads"));
    if (leaks.empty()) return std::nullopt;

    reported_ = true;
    std::string what = leaks.front();
    for (std::size_t i = 1; i < leaks.size(); ++i) what += (i + 1 == leaks.size() ? " and " : ", ") + leaks[i];
    return fmt::format("leaks {} per cycle (load/unload cycles {} to {}, {} samples: heap in use {:+.1f} KiB "
                       "(r² {:.2f}), RSS outside malloc {:+.1f} KiB (r² {:.2f}), fds {:+.2f}, threads {:+.2f} per cycle)",
                       what, window_.front().cycle, window_.back().cycle, window_.size(), heap.both.slope / 1024,
                       heap.both.fit, rss.both.slope / 1024, rss.both.fit, fds.both.slope, threads.both.slope);
}

}  // namespace isapi::host
