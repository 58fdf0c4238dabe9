#include "hgrm_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace isapi::loadgen {
namespace {

constexpr int kTicksPerHalfDistance = 5;  // HdrHistogram's and wrk2's default
constexpr double kUsPerMs = 1000.0;

void append(std::string& out, const char* format, auto... values) {
    char line[160];
    const int n = std::snprintf(line, sizeof line, format, values...);
    if (n > 0) out.append(line, static_cast<std::size_t>(std::min<int>(n, sizeof line - 1)));
}

// The next percentile level: the step is 100 / (ticks * 2^(k+1)) where
// 2^k <= 100 / (100 - level) < 2^(k+1), so each halving of the distance to
// 100 % gets the same number of lines.
double next_level(double level) {
    const auto halvings = static_cast<long long>(std::log2(100.0 / (100.0 - level)));
    return level + 100.0 / (kTicksPerHalfDistance * std::ldexp(1.0, static_cast<int>(halvings + 1)));
}

// The standard deviation over the buckets, each value taken as its bucket's
// middle (HdrHistogram takes a bucket's median-equivalent value too).
double deviation_us(const Histogram& h, const std::vector<std::uint64_t>& counts) {
    const double mean = h.mean();
    double squares = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
        if (counts[i] == 0) continue;
        const double middle =
            (static_cast<double>(Histogram::lowest_in(i)) + static_cast<double>(Histogram::highest_in(i))) / 2;
        squares += static_cast<double>(counts[i]) * (middle - mean) * (middle - mean);
    }
    return std::sqrt(squares / static_cast<double>(h.count()));
}

}  // namespace

std::string hgrm_report(const Histogram& h) {
    std::string out;
    append(out, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
    const std::uint64_t total = h.count();
    const std::vector<std::uint64_t>& counts = h.bucket_counts();
    // A bucket's value is the top of its range, never above the largest
    // value recorded (as Histogram::percentile reports it).
    const auto value_ms = [&](std::size_t i) {
        return static_cast<double>(std::min(Histogram::highest_in(i), h.max())) / kUsPerMs;
    };
    std::uint64_t so_far = 0;
    std::size_t last = 0;
    double level = 0;
    for (std::size_t i = 0; i < counts.size() && so_far < total; ++i) {
        if (counts[i] == 0) continue;
        so_far += counts[i];
        last = i;
        // Every level this bucket reaches gets a line; the bucket that holds
        // the last value gives one line, then comes the 100 % line.
        while (100.0 * static_cast<double>(so_far) / static_cast<double>(total) >= level) {
            append(out, "%12.3f %2.12f %10llu %14.2f\n", value_ms(i), level / 100.0,
                   static_cast<unsigned long long>(so_far), 1.0 / (1.0 - level / 100.0));
            level = next_level(level);
            if (so_far == total) break;
        }
    }
    if (total > 0)
        append(out, "%12.3f %2.12f %10llu\n", value_ms(last), 1.0, static_cast<unsigned long long>(total));
    append(out, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", h.mean() / kUsPerMs,
           total > 0 ? deviation_us(h, counts) / kUsPerMs : 0.0);
    append(out, "#[Max     = %12.3f, Total count    = %12llu]\n", static_cast<double>(h.max()) / kUsPerMs,
           static_cast<unsigned long long>(total));
    // Our layout in HdrHistogram's terms: 2048 sub-buckets, and one bucket
    // per power of two above them up to the highest trackable value.
    append(out, "#[Buckets = %12zu, SubBuckets     = %12zu]\n", (Histogram::bucket_count() - 2048) / 1024 + 1,
           static_cast<std::size_t>(2048));
    return out;
}

}  // namespace isapi::loadgen
