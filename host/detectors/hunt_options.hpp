#pragma once
// What the race-hunting machinery of a host (and each of its workers) is
// told on the command line: the detectors' settings and the seeded jitter.
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

struct HuntOptions {
    std::chrono::milliseconds hang_timeout{30'000};  // hang: entry points past this (0: off)
    std::size_t leak_cycles = 16;                    // leak_per_cycle's window (0: off)
    std::optional<JitterSpec> jitter;
};

}  // namespace isapi::host
