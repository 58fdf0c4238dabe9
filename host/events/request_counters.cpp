#include "request_counters.hpp"

namespace isapi::host {
namespace {

std::size_t thread_shard_index() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t index = next.fetch_add(1, std::memory_order_relaxed);
    return index;
}

unsigned slot(unsigned status) noexcept { return status < RequestCounters::kStatusSlots ? status : 0; }

}  // namespace

std::uint64_t RequestCounters::Snapshot::total() const {
    std::uint64_t sum = 0;
    for (const auto n : by_status) sum += n;
    return sum;
}

RequestCounters::Shard& RequestCounters::mine() noexcept { return shards_[thread_shard_index() % kShards]; }

void RequestCounters::begin() noexcept { mine().begun.fetch_add(1, std::memory_order_relaxed); }

void RequestCounters::end(unsigned status) noexcept {
    mine().by_status[slot(status)].fetch_add(1, std::memory_order_relaxed);
}

void RequestCounters::answered(unsigned status) noexcept {
    Shard& shard = mine();
    shard.begun.fetch_add(1, std::memory_order_relaxed);
    shard.by_status[slot(status)].fetch_add(1, std::memory_order_relaxed);
}

RequestCounters::Snapshot RequestCounters::snapshot() const {
    Snapshot result;
    // Ends are summed before begins, so requests that finish during the sum
    // rarely make in-flight negative; the clamp covers the rest.
    for (const Shard& shard : shards_)
        for (unsigned s = 0; s < kStatusSlots; ++s) result.by_status[s] += shard.by_status[s].load(std::memory_order_relaxed);
    std::uint64_t begun = 0;
    for (const Shard& shard : shards_) begun += shard.begun.load(std::memory_order_relaxed);
    const std::uint64_t ended = result.total();
    result.in_flight = begun > ended ? begun - ended : 0;
    result.in_flight += static_cast<std::uint64_t>(std::max<std::int64_t>(elsewhere_.load(std::memory_order_relaxed), 0));
    return result;
}

}  // namespace isapi::host
