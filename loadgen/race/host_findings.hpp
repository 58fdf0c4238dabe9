#pragma once
// The findings `race` takes from the host: from its events (read through
// hostctl's HostEventFeed) and, after the host has stopped, from its log
// (those logged too late to be polled).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../hostctl/host_events.hpp"
#include "race_runner.hpp"

namespace isapi::loadgen {

// The race finding an event carries (kind == "finding"), time_s left 0.
std::optional<RaceFinding> finding_of(const HostEvent& event);

// The findings a host logged ("finding KIND in MODULE (worker PID, load N):
// EVIDENCE", or without "worker PID, " in process), in the order logged.
// Only the first line of each evidence is in the log line.
std::vector<RaceFinding> findings_in_host_log(const std::string& log_text);

}  // namespace isapi::loadgen
