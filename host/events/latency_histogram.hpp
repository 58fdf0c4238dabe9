#pragma once
// One request latency histogram, recorded on the request path with relaxed
// atomic increments only (no lock, no allocation). Buckets hold plain counts;
// the metrics text makes them cumulative, so a scrape's +Inf always equals
// its count even while requests are being recorded.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace isapi::host {

// Upper bounds of the buckets, in seconds (the `le` labels), and the same in
// nanoseconds for the comparison on the request path. An in-process request
// to a small extension takes tens of microseconds and one relayed through a
// worker process about a hundred more, so the scale starts at 100 us; an
// extension that queries a database or calls out takes milliseconds to
// seconds, and 10 s is where clients give up. Steps of 1-2.5-5 per decade,
// as Prometheus's default buckets have, resolve both ends.
inline constexpr std::array<std::string_view, 16> kLatencyBucketLabels = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05",   "0.1",     "0.25",   "0.5",   "1",      "2.5",   "5",    "10"};
inline constexpr std::array<std::uint64_t, 16> kLatencyBucketNanos = {
    100'000,     250'000,     500'000,       1'000'000,     2'500'000,     5'000'000,
    10'000'000,  25'000'000,  50'000'000,    100'000'000,   250'000'000,   500'000'000,
    1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};

class LatencyHistogram {
public:
    // Per bucket (not cumulative); the last one is over every bound (+Inf).
    static constexpr std::size_t kSlots = kLatencyBucketNanos.size() + 1;

    struct Snapshot {
        std::array<std::uint64_t, kSlots> counts{};
        std::uint64_t sum_nanos = 0;
        std::uint64_t count() const;
    };

    void record(std::chrono::nanoseconds elapsed) noexcept;
    Snapshot snapshot() const;
    // Zeroes every bucket: the slot is reused for another build.
    void reset() noexcept;

private:
    std::array<std::atomic<std::uint64_t>, kSlots> counts_{};
    std::atomic<std::uint64_t> sum_nanos_{0};
};

// The bucket an elapsed time falls in: the first bound it does not exceed.
std::size_t latency_bucket(std::uint64_t nanos) noexcept;

}  // namespace isapi::host
