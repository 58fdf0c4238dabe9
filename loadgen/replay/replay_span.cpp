#include "replay_span.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace isapi::loadgen {
namespace {

constexpr double kMsPerYear = 365.25 * 86'400'000.0;

std::string years_text(double years) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", years);
    return buf;
}

// The lower median of the finite times (0 when there is none).
double median_finite_time(const std::vector<ReplayEntry>& entries) {
    std::vector<double> times;
    for (const auto& e : entries)
        if (std::isfinite(*e.time_ms)) times.push_back(*e.time_ms);
    if (times.empty()) return 0;
    const auto middle = times.begin() + static_cast<std::ptrdiff_t>((times.size() - 1) / 2);
    std::nth_element(times.begin(), middle, times.end());
    return *middle;
}

MalformedLine skipped(const ReplaySource& source, const ReplayEntry& e, const std::string& file, std::string reason) {
    if (source.har) return {file, 0, "log.entries[" + std::to_string(e.line - 1) + "]: " + reason};
    return {file, e.line, std::move(reason)};
}

}  // namespace

void skip_unschedulable_times(ReplaySource& source, double speed, const std::string& file) {
    auto& entries = source.entries;
    if (entries.empty() || !std::all_of(entries.begin(), entries.end(), [](const ReplayEntry& e) { return e.time_ms; }))
        return;
    const double median = median_finite_time(entries);
    const double limit_ms = kMaxReplaySpanYears / 2 * kMsPerYear;

    std::vector<ReplayEntry> kept;
    std::size_t reported = 0;
    for (auto& e : entries) {
        if (!std::isfinite(*e.time_ms)) {
            source.malformed.push_back(skipped(source, e, file, "the time is not a finite number"));
            ++reported;
            continue;
        }
        // Written so that an infinite or NaN distance (huge times, tiny
        // --speed) counts as too far.
        const double distance = std::fabs(*e.time_ms - median) / speed;
        if (!(distance <= limit_ms)) {
            source.malformed.push_back(skipped(
                source, e, file,
                "the time is " + years_text(std::fabs(*e.time_ms - median) / kMsPerYear) +
                    " years from the file's median time; at --speed " + years_text(speed) + " a replay spans at most " +
                    years_text(kMaxReplaySpanYears) + " years, so this request is skipped, not moved"));
            ++reported;
            continue;
        }
        kept.push_back(std::move(e));
    }
    if (reported == 0) return;
    entries = std::move(kept);
    // Reports stay in file order, those of the reader and these mixed.
    std::stable_sort(source.malformed.begin(), source.malformed.end(),
                     [](const MalformedLine& a, const MalformedLine& b) { return a.line < b.line; });
}

}  // namespace isapi::loadgen
