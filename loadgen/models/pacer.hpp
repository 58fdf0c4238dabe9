#pragma once
// Decides, for one worker thread, which request goes next and when it is
// due. The run's requests are numbered 0, 1, 2, ... in one deterministic
// sequence; thread t of T owns the numbers t, t+T, t+2T, ..., and number g
// uses request template g % templates (so a replay walks its file in order).
//
// Closed model: a request is due whenever a connection is free (like wrk).
// Open models: request g has an intended send time fixed in advance, from
// the rate schedule or the replayed file's timing; latency counts from it,
// however late the request really leaves (like wrk2).
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "rate_schedule.hpp"

namespace isapi::loadgen {

enum class Model { closed, open_rate, open_replay };

struct Job {
    std::uint64_t seq = 0;          // run-wide sequence number
    std::size_t request = 0;        // index into the request templates
    std::int64_t intended_ns = 0;   // since run start
};

struct PacerConfig {
    Model model = Model::closed;
    unsigned thread = 0;
    unsigned threads = 1;
    std::int64_t end_ns = std::numeric_limits<std::int64_t>::max();   // no request is issued at or after
    std::uint64_t max_requests = std::numeric_limits<std::uint64_t>::max();  // run-wide
    std::size_t templates = 1;
    const RateSchedule* schedule = nullptr;                 // open_rate
    const std::vector<std::int64_t>* offsets_ns = nullptr;  // open_replay, one per template
    std::int64_t period_ns = 0;                             // open_replay: one pass of the file
};

class Pacer {
public:
    explicit Pacer(const PacerConfig& config);

    bool open() const noexcept { return config_.model != Model::closed; }
    // True while this thread still has a request to issue.
    bool has_next(std::int64_t now_ns) const noexcept;
    // Open models: when the next request is due.
    std::int64_t next_intended() const noexcept { return next_intended_; }
    // Takes the next request; in the closed model it is due `now_ns`.
    Job take(std::int64_t now_ns) noexcept;
    // Issue nothing more (Ctrl-C, or the caller's own limit).
    void stop() noexcept { stopped_ = true; }

private:
    std::int64_t intended_of(std::uint64_t seq) const noexcept;

    PacerConfig config_;
    std::uint64_t next_seq_;
    std::int64_t next_intended_ = 0;
    bool stopped_ = false;
};

}  // namespace isapi::loadgen
