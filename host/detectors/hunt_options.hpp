#pragma once
// What the race-hunting machinery of a host (and each of its workers) is
// told on the command line: the detectors' settings and the seeded jitter.
// Their defaults live here, once, for every struct that carries them.
#include "leak_trend.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace isapi::host {

// --jitter SEED:MAX: sleeps of 0..max at lifecycle points, each point with
// its own deterministic stream drawn from the seed.
struct JitterSpec {
    std::uint64_t seed = 0;
    std::chrono::microseconds max{0};
};

inline constexpr std::chrono::milliseconds kDefaultHangTimeout{30'000};
// The leak detector's own window size.
inline constexpr std::size_t kDefaultLeakCycles = LeakTrendOptions{}.cycles;

struct HuntOptions {
    std::chrono::milliseconds hang_timeout = kDefaultHangTimeout;  // hang: entry points past this (0: off)
    std::size_t leak_cycles = kDefaultLeakCycles;                  // leak_per_cycle's window (0: off)
    std::optional<JitterSpec> jitter;
};

}  // namespace isapi::host
