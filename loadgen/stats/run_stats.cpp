#include "run_stats.hpp"

#include <algorithm>

namespace isapi::loadgen {
namespace {
std::uint64_t to_us(std::int64_t ns) {
    return ns <= 0 ? 0 : static_cast<std::uint64_t>((ns + 500) / 1000);
}
}  // namespace

std::uint16_t RunStats::add(const RequestRecord& r, std::string_view build) {
    ++sent_;
    ++by_class_[static_cast<std::size_t>(r.cls)];
    bytes_ += r.bytes;
    if (r.sent_ns > last_sent_ns_) last_sent_ns_ = r.sent_ns;
    if (is_dropped(r.cls)) return 0;
    ++answered_;
    corrected_.record(to_us(r.done_ns - r.intended_ns));
    uncorrected_.record(to_us(r.done_ns - r.sent_ns));
    if (build.empty()) return 0;
    const std::uint16_t id = build_id(build);
    ++builds_[id - 1].second;
    return id;
}

std::uint16_t RunStats::build_id(std::string_view build) {
    if (last_build_ < builds_.size() && builds_[last_build_].first == build)
        return static_cast<std::uint16_t>(last_build_ + 1);
    for (std::size_t i = 0; i < builds_.size(); ++i) {
        if (builds_[i].first == build) {
            last_build_ = i;
            return static_cast<std::uint16_t>(i + 1);
        }
    }
    // A server that sends a new identity per response would grow this without
    // bound; past 65000 distinct values the rest are folded into one bucket.
    if (builds_.size() >= 65000) {
        if (builds_.back().first != "(other)") builds_.emplace_back("(other)", 0);
        last_build_ = builds_.size() - 1;
        return static_cast<std::uint16_t>(builds_.size());
    }
    builds_.emplace_back(std::string(build), 0);
    last_build_ = builds_.size() - 1;
    return static_cast<std::uint16_t>(builds_.size());
}

void RunStats::merge(const RunStats& other) {
    sent_ += other.sent_;
    answered_ += other.answered_;
    bytes_ += other.bytes_;
    last_sent_ns_ = std::max(last_sent_ns_, other.last_sent_ns_);
    for (std::size_t i = 0; i < kClassCount; ++i) by_class_[i] += other.by_class_[i];
    corrected_.merge(other.corrected_);
    uncorrected_.merge(other.uncorrected_);
    for (const auto& [value, n] : other.builds_) {
        bool found = false;
        for (auto& mine : builds_) {
            if (mine.first == value) {
                mine.second += n;
                found = true;
                break;
            }
        }
        if (!found) builds_.emplace_back(value, n);
    }
}

}  // namespace isapi::loadgen
