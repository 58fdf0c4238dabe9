#include "churn_schedule.hpp"

namespace isapi::loadgen {
namespace {

// Busy phases of 0.2 to 0.8 s; quiescent ones of 10 to 40 requests (each a
// few milliseconds), so a 10 s race holds a dozen of each.
constexpr std::int64_t kBusyMinNs = 200'000'000, kBusyMaxNs = 800'000'000;
constexpr unsigned kQuietMin = 10, kQuietMax = 40;
// One gap in four is short (0 to settle_ns): the next load races the unload.
constexpr double kShortGapShare = 0.25;

}  // namespace

std::string_view to_string(ChurnSchedule schedule) {
    switch (schedule) {
        case ChurnSchedule::busy: return "busy";
        case ChurnSchedule::quiescent: return "quiescent";
        default: return "phases";
    }
}

std::optional<ChurnSchedule> parse_churn_schedule(std::string_view text) {
    if (text == "phases") return ChurnSchedule::phases;
    if (text == "busy") return ChurnSchedule::busy;
    if (text == "quiescent") return ChurnSchedule::quiescent;
    return std::nullopt;
}

ChurnPlanner::ChurnPlanner(ChurnSchedule schedule, std::uint64_t seed, std::int64_t settle_ns)
    : schedule_(schedule), rng_(seed ^ 0x5851f42d4c957f2dULL), settle_ns_(settle_ns) {
    // Seeded which kind comes first, so both are tried first across seeds.
    busy_next_ = schedule_ == ChurnSchedule::busy ||
                 (schedule_ == ChurnSchedule::phases && std::bernoulli_distribution(0.5)(rng_));
}

ChurnPhase ChurnPlanner::next_phase() {
    ChurnPhase phase;
    phase.busy = busy_next_;
    if (phase.busy) phase.busy_ns = std::uniform_int_distribution<std::int64_t>(kBusyMinNs, kBusyMaxNs)(rng_);
    else phase.quiet_requests = std::uniform_int_distribution<unsigned>(kQuietMin, kQuietMax)(rng_);
    if (schedule_ == ChurnSchedule::phases) busy_next_ = !busy_next_;
    return phase;
}

std::int64_t ChurnPlanner::quiet_gap_ns() {
    if (std::bernoulli_distribution(kShortGapShare)(rng_))
        return std::uniform_int_distribution<std::int64_t>(0, settle_ns_)(rng_);
    return settle_ns_;
}

std::size_t ChurnPlanner::pick(std::size_t count) {
    return std::uniform_int_distribution<std::size_t>(0, count - 1)(rng_);
}

}  // namespace isapi::loadgen
