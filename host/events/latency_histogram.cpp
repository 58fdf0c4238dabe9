#include "latency_histogram.hpp"

namespace isapi::host {

std::size_t latency_bucket(std::uint64_t nanos) noexcept {
    std::size_t i = 0;
    while (i < kLatencyBucketNanos.size() && nanos > kLatencyBucketNanos[i]) ++i;
    return i;
}

std::uint64_t LatencyHistogram::Snapshot::count() const {
    std::uint64_t total = 0;
    for (const auto n : counts) total += n;
    return total;
}

void LatencyHistogram::record(std::chrono::nanoseconds elapsed) noexcept {
    const auto nanos = static_cast<std::uint64_t>(elapsed.count() > 0 ? elapsed.count() : 0);
    counts_[latency_bucket(nanos)].fetch_add(1, std::memory_order_relaxed);
    sum_nanos_.fetch_add(nanos, std::memory_order_relaxed);
}

LatencyHistogram::Snapshot LatencyHistogram::snapshot() const {
    Snapshot s;
    for (std::size_t i = 0; i < kSlots; ++i) s.counts[i] = counts_[i].load(std::memory_order_relaxed);
    s.sum_nanos = sum_nanos_.load(std::memory_order_relaxed);
    return s;
}

void LatencyHistogram::reset() noexcept {
    for (auto& c : counts_) c.store(0, std::memory_order_relaxed);
    sum_nanos_.store(0, std::memory_order_relaxed);
}

}  // namespace isapi::host
