#pragma once
// Responses per build, in memory that does not grow with the run. The
// X-Isapi-Build value names the file and its short SHA-256, then the pid,
// worker generation and load generation that answered
// ("app.so; sha256=3f2a9c1b7d04; pid=1234; worker=1; load=3"). In uncached
// mode every request is a new load, so counting whole values would keep one
// entry per request; instead the build (the value without pid, worker and
// load) is the key, each build keeps its first kMaxWorkers workers with the
// range of load generations they answered from, and anything beyond a bound
// is counted, not kept.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace isapi::loadgen {

// One worker process (pid and the host's worker generation) of a build.
struct BuildWorker {
    std::uint64_t pid = 0;
    std::uint64_t worker = 0;
    std::uint64_t responses = 0;
    std::uint64_t first_load = 0;  // lowest load generation that answered
    std::uint64_t last_load = 0;   // highest
};

struct BuildCount {
    std::string build;  // the X-Isapi-Build value without pid, worker and load
    std::uint64_t responses = 0;
    std::vector<BuildWorker> workers;  // first seen first, at most kMaxWorkers
    std::uint64_t other_worker_responses = 0;  // from workers past kMaxWorkers
};

// The parts of one X-Isapi-Build value. A value without pid, worker or load
// (another server, or an older host) is all build, with has_worker false.
struct BuildIdentity {
    std::string_view file_and_hash;  // trimmed; the parts before the first pid/worker/load
    bool has_worker = false;
    std::uint64_t pid = 0, worker = 0, load = 0;
};
BuildIdentity parse_build_identity(std::string_view value);

class BuildCounts {
public:
    static constexpr std::size_t kMaxBuilds = 64;
    static constexpr std::size_t kMaxWorkers = 16;
    // The key that takes every build past kMaxBuilds.
    static constexpr std::string_view kOtherBuilds = "(other)";

    void add(std::string_view value, std::uint64_t responses = 1);
    void merge(const BuildCounts& other);

    // First seen first.
    const std::vector<BuildCount>& builds() const noexcept { return builds_; }
    bool empty() const noexcept { return builds_.empty(); }
    std::size_t size() const noexcept { return builds_.size(); }

private:
    BuildCount& entry(std::string_view build);
    static void count_worker(BuildCount& b, const BuildWorker& w);

    std::vector<BuildCount> builds_;
    std::size_t last_ = 0;  // builds rarely change, so check the last one first
};

}  // namespace isapi::loadgen
