#pragma once
// Request counters for the metrics endpoint, updated on the request hot path
// without a lock: each thread adds to its own shard (chosen once per thread,
// cache-line aligned) with relaxed atomic increments, and a reader sums the
// shards. A sum taken while requests run is a consistent-enough snapshot for
// monitoring, never a torn counter. The latency histograms per mapping and
// build ride along (request_latencies.hpp), so whoever counts a request's
// end can time it.
#include "request_latencies.hpp"

#include <array>
#include <atomic>
#include <cstdint>

namespace isapi::host {

class RequestCounters {
public:
    // Statuses 100..599 are counted individually; anything else (0: the
    // connection closed before any response) is counted as status 0.
    static constexpr unsigned kStatusSlots = 600;

    struct Snapshot {
        std::array<std::uint64_t, kStatusSlots> by_status{};
        std::uint64_t in_flight = 0;
        std::uint64_t total() const;
    };

    // A request reached the dispatcher.
    void begin() noexcept;
    // It was answered with `status` (by the extension or by the host).
    void end(unsigned status) noexcept;
    // begin() and end() at once: the host answered without dispatching.
    void answered(unsigned status) noexcept;
    // Requests counted in flight elsewhere (a worker serving handed-over
    // connections reports how many it holds; it counts their ends with
    // answered()).
    void add_in_flight_elsewhere(std::int64_t delta) noexcept { elsewhere_.fetch_add(delta, std::memory_order_relaxed); }

    Snapshot snapshot() const;

    RequestLatencies& latencies() noexcept { return latencies_; }
    const RequestLatencies& latencies() const noexcept { return latencies_; }

private:
    static constexpr std::size_t kShards = 16;
    struct alignas(64) Shard {
        std::atomic<std::uint64_t> begun{0};
        std::array<std::atomic<std::uint64_t>, kStatusSlots> by_status{};
    };
    Shard& mine() noexcept;

    std::array<Shard, kShards> shards_;
    RequestLatencies latencies_;
    std::atomic<std::int64_t> elsewhere_{0};
};

}  // namespace isapi::host
