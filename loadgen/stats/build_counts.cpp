#include "build_counts.hpp"

#include <algorithm>
#include <charconv>

namespace isapi::loadgen {
namespace {

// The keys host/modules/build_identity.cpp writes after the file and hash.
constexpr std::string_view kPid = "pid=";
constexpr std::string_view kWorker = "worker=";
constexpr std::string_view kLoad = "load=";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool number_after(std::string_view part, std::string_view key, std::uint64_t& out) {
    if (!part.starts_with(key)) return false;
    const std::string_view digits = part.substr(key.size());
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) return false;
    out = n;
    return true;
}

}  // namespace

BuildIdentity parse_build_identity(std::string_view value) {
    BuildIdentity id;
    bool pid = false, worker = false, load = false;
    std::size_t first_numbered = std::string_view::npos;  // where pid/worker/load begin
    for (std::size_t start = 0; start <= value.size();) {
        const std::size_t end = std::min(value.find(';', start), value.size());
        const std::string_view part = trim(value.substr(start, end - start));
        const bool numbered = (number_after(part, kPid, id.pid) && (pid = true)) ||
                              (number_after(part, kWorker, id.worker) && (worker = true)) ||
                              (number_after(part, kLoad, id.load) && (load = true));
        if (numbered && first_numbered == std::string_view::npos) first_numbered = start;
        start = end + 1;
    }
    id.has_worker = pid && worker && load;
    std::string_view build = id.has_worker ? value.substr(0, first_numbered) : value;
    build = trim(build);
    if (id.has_worker && build.ends_with(';')) build = trim(build.substr(0, build.size() - 1));
    id.file_and_hash = build;
    return id;
}

void BuildCounts::add(std::string_view value, std::uint64_t responses) {
    const BuildIdentity id = parse_build_identity(value);
    BuildCount& b = entry(id.file_and_hash);
    b.responses += responses;
    if (id.has_worker) count_worker(b, BuildWorker{id.pid, id.worker, responses, id.load, id.load});
}

BuildCount& BuildCounts::entry(std::string_view build) {
    if (last_ < builds_.size() && builds_[last_].build == build) return builds_[last_];
    for (std::size_t i = 0; i < builds_.size(); ++i) {
        if (builds_[i].build == build) {
            last_ = i;
            return builds_[i];
        }
    }
    // A server that names a new build per response must not grow this
    // without bound: past kMaxBuilds the rest share one entry.
    if (builds_.size() >= kMaxBuilds) {
        if (builds_.back().build != kOtherBuilds) builds_.push_back(BuildCount{std::string(kOtherBuilds), 0, {}, 0});
        last_ = builds_.size() - 1;
        return builds_.back();
    }
    builds_.push_back(BuildCount{std::string(build), 0, {}, 0});
    last_ = builds_.size() - 1;
    return builds_.back();
}

void BuildCounts::count_worker(BuildCount& b, const BuildWorker& w) {
    for (auto& mine : b.workers) {
        if (mine.pid == w.pid && mine.worker == w.worker) {
            mine.responses += w.responses;
            mine.first_load = std::min(mine.first_load, w.first_load);
            mine.last_load = std::max(mine.last_load, w.last_load);
            return;
        }
    }
    if (b.workers.size() < kMaxWorkers) b.workers.push_back(w);
    else b.other_worker_responses += w.responses;
}

void BuildCounts::merge(const BuildCounts& other) {
    for (const auto& theirs : other.builds_) {
        BuildCount& b = entry(theirs.build);
        b.responses += theirs.responses;
        b.other_worker_responses += theirs.other_worker_responses;
        for (const auto& w : theirs.workers) count_worker(b, w);
    }
}

}  // namespace isapi::loadgen
