#pragma once
// Performs one swap strategy on the live path, step by step, timing each
// step on the run's clock, and rolls back when a step fails or the new
// build will not load. Talks to the host only through the two hooks, so the
// file choreography is testable on plain files.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "swap_types.hpp"

namespace isapi::loadgen {

struct SwapFiles {
    std::string live;      // the path the host serves
    std::string new_file;  // the build to deploy
    std::string backup;    // a private copy of the old build, taken before the swap (for rollback)
};

struct SwapHooks {
    // Asks the host to recycle (immediate/overlapped policies); empty for
    // none and watch. Returns false with the reason when the request failed.
    std::function<bool(std::string& error)> recycle;
    // Waits until the host has loaded the new build, or has shown that it
    // cannot (false, with the reason: the host's load_failure or
    // recycle_failed). Returning true without a sighting is fine: a cached
    // host without a recycle never loads it.
    std::function<bool(std::string& error)> verify;
};

// Nanoseconds since `start` on the steady clock: the request records' clock.
class RunClock {
public:
    explicit RunClock(std::chrono::steady_clock::time_point start) : start_(start) {}
    std::int64_t now_ns() const {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_).count();
    }

private:
    std::chrono::steady_clock::time_point start_;
};

// The staging name the two-step strategies use beside the live file.
std::string staging_path(const std::string& live);
// Where rename-copy and rename-rename park the old build.
std::string parked_path(const std::string& live);

SwapTrace perform_swap(Strategy strategy, std::uint64_t copy_rate, const SwapFiles& files, const SwapHooks& hooks,
                       const RunClock& clock);

}  // namespace isapi::loadgen
