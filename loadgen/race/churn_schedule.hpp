#pragma once
// The seeded order of the churn's phases. A busy phase keeps every
// connection sending, so the module is loaded, unloaded and recycled under
// concurrent requests. A quiescent phase sends one request at a time and
// waits after each: the unload (uncached mode) or a recycle (cached mode)
// then comes right after the last completion, with nothing in flight, which
// is when a thread the extension left running in its code after
// HSE_REQ_DONE_WITH_SESSION is caught. Some of its gaps are shorter than
// the host's jitter, so the next load meets the unload too.
#include <cstdint>
#include <random>
#include <string_view>
#include <optional>

namespace isapi::loadgen {

// phases: busy and quiescent phases alternate (the default); busy or
// quiescent: only that kind.
enum class ChurnSchedule { phases, busy, quiescent };
std::string_view to_string(ChurnSchedule schedule);
std::optional<ChurnSchedule> parse_churn_schedule(std::string_view text);

struct ChurnPhase {
    bool busy = true;
    std::int64_t busy_ns = 0;      // busy: how long
    unsigned quiet_requests = 0;   // quiescent: how many requests, one at a time
};

class ChurnPlanner {
public:
    // `settle_ns`: a gap after which the unload has happened (above the
    // host's jitter before an unload).
    ChurnPlanner(ChurnSchedule schedule, std::uint64_t seed, std::int64_t settle_ns);

    ChurnPhase next_phase();
    // The pause after one quiescent request.
    std::int64_t quiet_gap_ns();
    // Which of `count` request templates a quiescent request sends.
    std::size_t pick(std::size_t count);

private:
    ChurnSchedule schedule_;
    std::mt19937_64 rng_;
    std::int64_t settle_ns_;
    bool busy_next_;
};

}  // namespace isapi::loadgen
