#pragma once
// JSON documents of the admin API: events (one object per line) and status.
#include "../events/event.hpp"
#include "../events/event_log.hpp"
#include "host_status.hpp"
#include "metrics_text.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace isapi::host {

// "2026-11-25T14:03:07.123456Z"
std::string iso8601_utc(std::chrono::system_clock::time_point time);

// {"seq":4,"mono_us":1234,"steady_us":...,"time":"...","kind":"module_load","module":"v.so","load":2,...}
// Fields that do not apply to the kind are left out. mono_us counts from the
// log's start; steady_us is the same moment on the machine's monotonic clock
// (CLOCK_MONOTONIC on Linux), which other processes (isapi-loadgen swap) can
// put on their own timelines.
nlohmann::ordered_json event_to_json(const Event& event, std::chrono::steady_clock::time_point log_start);

// One compact JSON object per line, each line ending in '\n'.
std::string events_as_json_lines(const std::vector<Event>& events, std::chrono::steady_clock::time_point log_start);

struct EventLogStatus {
    std::uint64_t first_seq = 0;
    std::uint64_t last_seq = 0;
    std::size_t capacity = 0;
};

nlohmann::ordered_json status_to_json(const HostStatus& status, const MetricsSnapshot& counters, const EventLogStatus& events);

}  // namespace isapi::host
