#include "time_series.hpp"

#include <algorithm>
#include <bit>

namespace isapi::loadgen {
namespace {
constexpr std::uint64_t kSub = 16;                        // sub-buckets per power of two
constexpr std::uint64_t kLargest = (1ULL << 32) - 1;      // values above land in the last bucket
}  // namespace

// Below 16 a value is its own index; from 16 up, the value's top five bits
// pick one of 16 sub-buckets of its power of two.
std::size_t CoarseHistogram::index_of(std::uint64_t value) noexcept {
    const std::uint64_t v = std::min(value, kLargest);
    if (v < kSub) return static_cast<std::size_t>(v);
    const int shift = std::bit_width(v) - 5;
    return static_cast<std::size_t>((static_cast<std::uint64_t>(shift) + 1) * kSub + ((v >> shift) - kSub));
}

std::uint64_t CoarseHistogram::highest_in(std::size_t index) noexcept {
    if (index < kSub) return index;
    const std::uint64_t shift = index / kSub - 1;
    const std::uint64_t mantissa = index % kSub + kSub;
    return ((mantissa + 1) << shift) - 1;
}

void CoarseHistogram::record(std::uint64_t value_us) noexcept {
    ++counts_[index_of(value_us)];
    ++total_;
    max_ = std::max(max_, value_us);
}

void CoarseHistogram::merge(const CoarseHistogram& other) noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
    max_ = std::max(max_, other.max_);
}

std::uint64_t CoarseHistogram::percentile(double p) const noexcept {
    if (total_ == 0) return 0;
    const double wanted = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(total_);
    const std::uint64_t rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted + 0.999999));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += counts_[i];
        if (seen >= rank) return std::min(highest_in(i), max_);
    }
    return max_;
}

void TimeSeries::add(std::int64_t t_ns, bool answered, bool error, std::uint64_t latency_us) {
    std::size_t i = static_cast<std::size_t>(std::max<std::int64_t>(0, t_ns) / width_ns_);
    while (i >= kMaxBuckets) {
        widen();
        i = static_cast<std::size_t>(std::max<std::int64_t>(0, t_ns) / width_ns_);
    }
    if (i >= buckets_.size()) buckets_.resize(i + 1);
    TimeBucket& b = buckets_[i];
    ++b.ended;
    if (error) ++b.errors;
    if (answered) b.latency.record(latency_us);
}

void TimeSeries::widen() {
    std::vector<TimeBucket> wider((buckets_.size() + 1) / 2);
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
        TimeBucket& into = wider[i / 2];
        into.ended += buckets_[i].ended;
        into.errors += buckets_[i].errors;
        into.latency.merge(buckets_[i].latency);
    }
    buckets_ = std::move(wider);
    width_ns_ *= 2;
}

void TimeSeries::merge(const TimeSeries& other) {
    // Both to the wider width (widths are always the first width times a
    // power of two), then bucket by bucket.
    while (width_ns_ < other.width_ns_) widen();
    const std::int64_t ratio = width_ns_ / other.width_ns_;
    for (std::size_t i = 0; i < other.buckets_.size(); ++i) {
        const std::size_t at = i / static_cast<std::size_t>(ratio);
        if (at >= buckets_.size()) buckets_.resize(at + 1);
        TimeBucket& into = buckets_[at];
        into.ended += other.buckets_[i].ended;
        into.errors += other.buckets_[i].errors;
        into.latency.merge(other.buckets_[i].latency);
    }
}

}  // namespace isapi::loadgen
