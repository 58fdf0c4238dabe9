#include "run_stats.hpp"

#include <algorithm>

namespace isapi::loadgen {
namespace {
std::uint64_t to_us(std::int64_t ns) {
    return ns <= 0 ? 0 : static_cast<std::uint64_t>((ns + 500) / 1000);
}
}  // namespace

void RunStats::add(const RequestRecord& r, std::string_view build) {
    ++sent_;
    ++by_class_[static_cast<std::size_t>(r.cls)];
    bytes_ += r.bytes;
    if (r.sent_ns > last_sent_ns_) last_sent_ns_ = r.sent_ns;
    // A request is placed in time where it ended; one that never got that
    // far (-1) where it was sent or meant to be.
    const std::int64_t ended_ns = std::max({r.done_ns, r.sent_ns, r.intended_ns, std::int64_t{0}});
    const bool dropped = is_dropped(r.cls);
    const std::uint64_t latency_us = dropped ? 0 : to_us(r.done_ns - r.intended_ns);
    over_time_.add(ended_ns, !dropped, r.cls != ErrorClass::ok, latency_us);
    if (dropped) return;
    ++answered_;
    corrected_.record(latency_us);
    uncorrected_.record(to_us(r.done_ns - r.sent_ns));
    if (!build.empty()) builds_.add(build);
}

void RunStats::merge(const RunStats& other) {
    sent_ += other.sent_;
    answered_ += other.answered_;
    bytes_ += other.bytes_;
    last_sent_ns_ = std::max(last_sent_ns_, other.last_sent_ns_);
    for (std::size_t i = 0; i < kClassCount; ++i) by_class_[i] += other.by_class_[i];
    corrected_.merge(other.corrected_);
    uncorrected_.merge(other.uncorrected_);
    builds_.merge(other.builds_);
    over_time_.merge(other.over_time_);
}

}  // namespace isapi::loadgen
