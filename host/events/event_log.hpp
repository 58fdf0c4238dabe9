#pragma once
// The host's recent history: a bounded ring of events, each numbered and
// timestamped as it is appended. When full, the oldest entry makes room, so
// memory stays constant however long the host runs. Thread-safe; events are
// rare (loads, unloads, findings), so one mutex is enough.
#include "event.hpp"

#include <chrono>
#include <cstddef>
#include <mutex>
#include <vector>

namespace isapi::host {

class EventLog {
public:
    using Clock = std::chrono::steady_clock;

    explicit EventLog(std::size_t capacity = 10'000, Clock::time_point start = Clock::now());

    // Numbers and timestamps `event` (at `when`: a finding carries the time it
    // was observed) and returns its sequence number.
    std::uint64_t append(Event event, Clock::time_point when = Clock::now());

    // Events with seq > `after`, oldest first, at most `limit`.
    std::vector<Event> since(std::uint64_t after, std::size_t limit = static_cast<std::size_t>(-1)) const;

    std::uint64_t last_seq() const;   // 0 before the first event
    std::uint64_t first_seq() const;  // oldest kept; last_seq() + 1 when empty
    std::size_t capacity() const { return ring_.size(); }
    Clock::time_point start() const { return start_; }

private:
    const Clock::time_point start_;
    mutable std::mutex mutex_;
    std::vector<Event> ring_;
    std::uint64_t next_seq_ = 1;
    std::size_t size_ = 0;
};

}  // namespace isapi::host
