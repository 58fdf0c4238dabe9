#include "event_log.hpp"

#include <isapi/contract/host_contract.hpp>

#include <algorithm>
#include <stdexcept>

namespace isapi::host {

std::string_view to_string(EventKind kind) {
    switch (kind) {
        case EventKind::host_start: return contract::event::host_start;
        case EventKind::host_stop: return contract::event::host_stop;
        case EventKind::module_load: return contract::event::module_load;
        case EventKind::load_failure: return contract::event::load_failure;
        case EventKind::module_unload: return contract::event::module_unload;
        case EventKind::terminate_extension: return contract::event::terminate_extension;
        case EventKind::finding: return contract::event::finding;
        case EventKind::worker_start: return contract::event::worker_start;
        case EventKind::worker_ready: return contract::event::worker_ready;
        case EventKind::worker_exit: return contract::event::worker_exit;
        case EventKind::worker_crash: return contract::event::worker_crash;
        case EventKind::worker_kill: return contract::event::worker_kill;
        case EventKind::recycle: return contract::event::recycle;
        case EventKind::recycle_failed: return contract::event::recycle_failed;
        case EventKind::pool_stop: return contract::event::pool_stop;
        case EventKind::pool_reset: return contract::event::pool_reset;
    }
    return "unknown";
}

EventLog::EventLog(std::size_t capacity, Clock::time_point start) : start_(start) {
    if (capacity == 0) throw std::invalid_argument("an event log needs room for at least one event");
    ring_.resize(capacity);
}

std::uint64_t EventLog::append(Event event, Clock::time_point when) {
    event.since_start = std::chrono::duration_cast<std::chrono::microseconds>(when - start_);
    event.wall_time = std::chrono::system_clock::now();
    std::lock_guard lock(mutex_);
    event.seq = next_seq_++;
    ring_[(event.seq - 1) % ring_.size()] = std::move(event);
    size_ = std::min(size_ + 1, ring_.size());
    return next_seq_ - 1;
}

std::vector<Event> EventLog::since(std::uint64_t after, std::size_t limit) const {
    std::lock_guard lock(mutex_);
    std::vector<Event> events;
    if (after >= next_seq_ - 1 || limit == 0) return events;
    const std::uint64_t from = std::max(after + 1, next_seq_ - size_);
    const auto count = static_cast<std::size_t>(std::min<std::uint64_t>(next_seq_ - from, limit));
    events.reserve(count);
    for (std::uint64_t seq = from; seq < from + count; ++seq) events.push_back(ring_[(seq - 1) % ring_.size()]);
    return events;
}

std::uint64_t EventLog::last_seq() const {
    std::lock_guard lock(mutex_);
    return next_seq_ - 1;
}

std::uint64_t EventLog::first_seq() const {
    std::lock_guard lock(mutex_);
    return next_seq_ - size_;
}

}  // namespace isapi::host
