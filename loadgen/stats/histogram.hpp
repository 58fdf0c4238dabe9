#pragma once
// A log-linear latency histogram in the style of HdrHistogram, written for
// isapi-loadgen. Values are microseconds from 1 us to 1 h, kept to three
// significant digits: below 2048 every value has its own bucket; above, each
// power of two is split into 1024 equal buckets, so a bucket is never wider
// than 1/1024 of the values it holds. Memory is fixed (about 184 KiB) however
// many values are recorded, which is what lets a run of any length keep one
// per thread and merge them at the end.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace isapi::loadgen {

class Histogram {
public:
    static constexpr std::uint64_t kLowest = 1;                  // 1 us
    static constexpr std::uint64_t kHighest = 3'600'000'000ULL;  // 1 h in us

    Histogram();

    // Values outside [kLowest, kHighest] are clamped into it; saturated()
    // counts those above, so a report can say the top is not exact.
    void record(std::uint64_t value_us) noexcept;
    void merge(const Histogram& other);
    void reset() noexcept;

    std::uint64_t count() const noexcept { return total_; }
    std::uint64_t saturated() const noexcept { return saturated_; }
    std::uint64_t min() const noexcept { return total_ ? min_ : 0; }
    std::uint64_t max() const noexcept { return total_ ? max_ : 0; }
    double mean() const noexcept;

    // The smallest recorded-equivalent value v such that at least p percent
    // of the values are <= v, reported as the top of its bucket and never
    // above max(). p is in [0, 100]; 0 on an empty histogram.
    std::uint64_t percentile(double p) const noexcept;

    // The count in each bucket, by index (for exports that walk them all).
    const std::vector<std::uint64_t>& bucket_counts() const noexcept { return counts_; }

    // Bucket arithmetic, public so tests can check the precision promise.
    static std::size_t index_of(std::uint64_t value) noexcept;
    static std::uint64_t lowest_in(std::size_t index) noexcept;
    static std::uint64_t highest_in(std::size_t index) noexcept;
    static std::size_t bucket_count() noexcept;

private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t total_ = 0;
    std::uint64_t saturated_ = 0;
    std::uint64_t min_ = 0;
    std::uint64_t max_ = 0;
    long double sum_ = 0;
};

}  // namespace isapi::loadgen
