#include "pacer.hpp"

#include <algorithm>
#include <cmath>

namespace isapi::loadgen {

Pacer::Pacer(const PacerConfig& config) : config_(config), next_seq_(config.thread) {
    if (config_.threads == 0) config_.threads = 1;
    if (config_.templates == 0) config_.templates = 1;
    if (config_.model == Model::open_rate) {
        // Never past the schedule's end, whatever the caller's window says.
        const double end_s = config_.schedule->duration_s();
        config_.end_ns = std::min(config_.end_ns, static_cast<std::int64_t>(std::llround(end_s * 1e9)));
    }
    if (open()) next_intended_ = intended_of(next_seq_);
}

std::int64_t Pacer::intended_of(std::uint64_t seq) const noexcept {
    if (config_.model == Model::open_rate) {
        const double t = config_.schedule->time_of(static_cast<double>(seq));
        if (!(t < 9e9)) return std::numeric_limits<std::int64_t>::max();
        return static_cast<std::int64_t>(std::llround(t * 1e9));
    }
    if (config_.model == Model::open_replay) {
        const std::uint64_t pass = seq / config_.templates;
        const std::size_t index = static_cast<std::size_t>(seq % config_.templates);
        return static_cast<std::int64_t>(pass) * config_.period_ns + (*config_.offsets_ns)[index];
    }
    return 0;
}

bool Pacer::has_next(std::int64_t now_ns) const noexcept {
    if (stopped_ || next_seq_ >= config_.max_requests) return false;
    if (open()) return next_intended_ < config_.end_ns;
    return now_ns < config_.end_ns;
}

Job Pacer::take(std::int64_t now_ns) noexcept {
    Job job;
    job.seq = next_seq_;
    job.request = static_cast<std::size_t>(next_seq_ % config_.templates);
    job.intended_ns = open() ? next_intended_ : now_ns;
    next_seq_ += config_.threads;
    if (open()) next_intended_ = intended_of(next_seq_);
    return job;
}

}  // namespace isapi::loadgen
