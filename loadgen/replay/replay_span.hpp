#pragma once
// How far apart a timed replay's requests may be. The schedule counts
// nanoseconds in 64 bits, so times about 292 years apart (less at --speed
// below 1), or an offset_ms of 1e300, would wrap around and send every
// request at once.
#include <string>

#include "replay_entry.hpp"

namespace isapi::loadgen {

// A replay spans at most this much once scaled by --speed: far inside the
// 64-bit range even when a looped pass adds one average gap to the span.
constexpr double kMaxReplaySpanYears = 100;

// Skips the entries whose time lies more than half of kMaxReplaySpanYears
// (after dividing by `speed`) from the median of the file's times, and those
// whose time is not a finite number, reporting each in `source.malformed`
// under `file` as the readers report theirs (in file order). Skipped, not
// moved: a request placed at a made-up time would be a lie about the file.
// The median, not the first request, anchors the window so that one stray
// line (a year 1601 written by a broken clock) costs only itself. Does
// nothing unless every entry has a time: otherwise the replay is untimed.
void skip_unschedulable_times(ReplaySource& source, double speed, const std::string& file);

}  // namespace isapi::loadgen
