#include "leak_trend.hpp"

#include <spdlog/fmt/fmt.h>

#include <cmath>
#include <vector>

namespace isapi::host {
namespace {

std::string count_text(double per_cycle, const char* one, const char* many) {
    const double whole = std::round(per_cycle);
    if (std::fabs(per_cycle - whole) < 0.05) return fmt::format("{:.0f} {}", whole, whole == 1 ? one : many);
    return fmt::format("{:.1f} {}", per_cycle, many);
}

}  // namespace

LineFit fit_line(std::span<const double> ys) {
    const double n = static_cast<double>(ys.size());
    if (ys.size() < 2) return {};
    double mean_y = 0;
    for (double y : ys) mean_y += y;
    mean_y /= n;
    const double mean_x = (n - 1) / 2;
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < ys.size(); ++i) {
        const double dx = static_cast<double>(i) - mean_x;
        const double dy = ys[i] - mean_y;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    LineFit line;
    line.slope = sxy / sxx;
    line.fit = syy > 0 ? (sxy * sxy) / (sxx * syy) : 0;
    return line;
}

LeakTrend::LeakTrend(LeakTrendOptions options) : options_(options) {
    if (options_.cycles < 3) options_.cycles = 3;
}

std::optional<std::string> LeakTrend::add(const platform::ResourceUsage& usage) {
    if (reported_ || ++seen_ <= options_.warm_up) return std::nullopt;
    window_.push_back(usage);
    if (window_.size() > options_.cycles) window_.pop_front();
    if (window_.size() < options_.cycles) return std::nullopt;

    auto trend = [&](auto field) {
        std::vector<double> ys;
        for (const auto& u : window_) ys.push_back(static_cast<double>(u.*field));
        return fit_line(ys);
    };
    const auto& t = options_.thresholds;
    const LineFit rss = trend(&platform::ResourceUsage::rss_bytes);
    const LineFit heap = trend(&platform::ResourceUsage::heap_in_use_bytes);
    const LineFit fds = trend(&platform::ResourceUsage::open_fds);
    const LineFit threads = trend(&platform::ResourceUsage::threads);
    auto grows = [&](const LineFit& line, double threshold) { return line.slope >= threshold && line.fit >= t.min_fit; };

    std::vector<std::string> leaks;
    // Memory is named once: the heap when malloc's view shows it, else the RSS.
    if (grows(heap, t.heap_bytes)) leaks.push_back(fmt::format("{:.1f} KiB", heap.slope / 1024));
    else if (grows(rss, t.rss_bytes)) leaks.push_back(fmt::format("{:.1f} KiB of RSS", rss.slope / 1024));
    if (grows(fds, t.fds)) leaks.push_back(count_text(fds.slope, "fd", "fds"));
    if (grows(threads, t.threads)) leaks.push_back(count_text(threads.slope, "thread", "threads"));
    if (leaks.empty()) return std::nullopt;

    reported_ = true;
    std::string what = leaks.front();
    for (std::size_t i = 1; i < leaks.size(); ++i) what += (i + 1 == leaks.size() ? " and " : ", ") + leaks[i];
    return fmt::format("leaks {} per cycle (over the last {} load/unload cycles: heap in use {:+.1f} KiB "
                       "(r² {:.2f}), RSS {:+.1f} KiB (r² {:.2f}), fds {:+.2f}, threads {:+.2f} per cycle)",
                       what, window_.size(), heap.slope / 1024, heap.fit, rss.slope / 1024, rss.fit, fds.slope,
                       threads.slope);
}

}  // namespace isapi::host
