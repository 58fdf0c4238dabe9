#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace isapi::loadgen {
namespace {

// 2048 linear buckets cover 0..2047 exactly; every later power of two
// [2^(10+e), 2^(11+e)) for e >= 1 is cut into kHalf buckets of width 2^e.
constexpr unsigned kHalfMagnitude = 10;
constexpr std::uint64_t kHalf = 1ULL << kHalfMagnitude;  // 1024
constexpr std::uint64_t kLinear = 2 * kHalf;             // 2048

unsigned shift_of(std::uint64_t value) noexcept {
    const unsigned top_bit = 63U - static_cast<unsigned>(std::countl_zero(value));
    return top_bit - kHalfMagnitude;  // value >> shift lands in [1024, 2047]
}

}  // namespace

std::size_t Histogram::index_of(std::uint64_t value) noexcept {
    if (value < kLinear) return static_cast<std::size_t>(value);
    const unsigned shift = shift_of(value);
    return static_cast<std::size_t>(kLinear + (shift - 1) * kHalf + ((value >> shift) - kHalf));
}

std::uint64_t Histogram::lowest_in(std::size_t index) noexcept {
    if (index < kLinear) return index;
    const std::uint64_t rest = index - kLinear;
    const unsigned shift = static_cast<unsigned>(rest / kHalf) + 1;
    return (kHalf + rest % kHalf) << shift;
}

std::uint64_t Histogram::highest_in(std::size_t index) noexcept {
    if (index < kLinear) return index;
    const unsigned shift = static_cast<unsigned>((index - kLinear) / kHalf) + 1;
    return lowest_in(index) + (1ULL << shift) - 1;
}

std::size_t Histogram::bucket_count() noexcept { return index_of(kHighest) + 1; }

Histogram::Histogram() : counts_(bucket_count(), 0) {}

void Histogram::record(std::uint64_t value_us) noexcept {
    if (value_us < kLowest) value_us = kLowest;
    if (value_us > kHighest) {
        value_us = kHighest;
        ++saturated_;
    }
    ++counts_[index_of(value_us)];
    if (total_ == 0 || value_us < min_) min_ = value_us;
    if (value_us > max_) max_ = value_us;
    ++total_;
    sum_ += static_cast<long double>(value_us);
}

void Histogram::merge(const Histogram& other) {
    if (other.total_ == 0) return;
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    min_ = total_ ? std::min(min_, other.min_) : other.min_;
    max_ = std::max(max_, other.max_);
    total_ += other.total_;
    saturated_ += other.saturated_;
    sum_ += other.sum_;
}

void Histogram::reset() noexcept {
    std::fill(counts_.begin(), counts_.end(), 0);
    total_ = saturated_ = min_ = max_ = 0;
    sum_ = 0;
}

double Histogram::mean() const noexcept {
    return total_ ? static_cast<double>(sum_ / static_cast<long double>(total_)) : 0.0;
}

std::uint64_t Histogram::percentile(double p) const noexcept {
    if (total_ == 0) return 0;
    p = std::clamp(p, 0.0, 100.0);
    auto wanted = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total_)));
    wanted = std::clamp<std::uint64_t>(wanted, 1, total_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        seen += counts_[i];
        if (seen >= wanted) return std::min(highest_in(i), max_);
    }
    return max_;
}

}  // namespace isapi::loadgen
