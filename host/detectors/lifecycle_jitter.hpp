#pragma once
// Seeded jitter at lifecycle points (--jitter SEED:MAX), which widens race
// windows for the `race` command: before GetExtensionVersion, between a
// request's completion and the unload, and before TerminateExtension. Each
// point draws from its own deterministic stream, so a point's sequence of
// pauses depends only on the seed, whatever the other points do.
#include "hunt_options.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>

namespace isapi::host {

enum class JitterPoint { before_get_extension_version, after_completion, before_terminate_extension };

class LifecycleJitter {
public:
    explicit LifecycleJitter(std::optional<JitterSpec> spec);

    // The next pause of `point`'s stream, 0..max (always 0 without a spec).
    std::chrono::microseconds next(JitterPoint point);
    // Sleeps for next(point).
    void pause(JitterPoint point);

private:
    std::optional<JitterSpec> spec_;
    std::mutex mutex_;
    std::array<std::uint64_t, 3> streams_{};  // splitmix64 states
};

// "42:5ms" (MAX in us, ms or s; a bare number is milliseconds). nullopt when
// the text is not SEED:MAX.
std::optional<JitterSpec> parse_jitter(std::string_view text);

}  // namespace isapi::host
