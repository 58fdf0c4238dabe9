#pragma once
// The run over time, for the HTML report's charts: per time bucket, how many
// requests ended, how many of them failed, and a small latency histogram of
// the answered ones (so p50 and p99 per bucket, not only the max). Buckets
// start 100 ms wide; when a run outgrows kMaxBuckets, neighbours are merged
// pairwise and the width doubles, so memory stays bounded (at most
// kMaxBuckets small histograms per thread) however long the run. Recording
// is a division and two increments: cheap enough for the request path.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace isapi::loadgen {

// Latency in microseconds to about 6 %: 16 sub-buckets per power of two,
// values below 16 us exact, anything from 2^32 us (71 minutes) up in the
// last bucket. 3.7 KiB, against the run histogram's 184 KiB.
class CoarseHistogram {
public:
    static constexpr std::size_t kBuckets = 464;

    void record(std::uint64_t value_us) noexcept;
    void merge(const CoarseHistogram& other) noexcept;

    std::uint64_t count() const noexcept { return total_; }
    std::uint64_t max() const noexcept { return max_; }
    // The top of the bucket holding the p-th percentile, never above max();
    // 0 when empty.
    std::uint64_t percentile(double p) const noexcept;

    static std::size_t index_of(std::uint64_t value) noexcept;
    static std::uint64_t highest_in(std::size_t index) noexcept;

private:
    std::array<std::uint64_t, kBuckets> counts_{};
    std::uint64_t total_ = 0;
    std::uint64_t max_ = 0;
};

struct TimeBucket {
    std::uint64_t ended = 0;   // requests that ended in the bucket, answered or dropped
    std::uint64_t errors = 0;  // of those, every one that did not end `ok`
    CoarseHistogram latency;   // answered ones only
};

class TimeSeries {
public:
    static constexpr std::size_t kMaxBuckets = 120;
    static constexpr std::int64_t kFirstWidthNs = 100'000'000;

    // Books a request that ended at `t_ns` since the start; `latency_us` is
    // recorded only when `answered`.
    void add(std::int64_t t_ns, bool answered, bool error, std::uint64_t latency_us);
    void merge(const TimeSeries& other);

    std::int64_t width_ns() const noexcept { return width_ns_; }
    // Bucket i covers [i * width_ns(), (i + 1) * width_ns()).
    const std::vector<TimeBucket>& buckets() const noexcept { return buckets_; }

private:
    void widen();  // merges neighbours pairwise, doubling the width

    std::int64_t width_ns_ = kFirstWidthNs;
    std::vector<TimeBucket> buckets_;
};

}  // namespace isapi::loadgen
