#pragma once
// What `race` reads from the host: its events (admin API, JSON lines, read
// incrementally by sequence number) and, after the host has stopped, the
// findings it logged too late to be polled.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/client/url.hpp"
#include "loadgen/race/race_runner.hpp"

namespace isapi::loadgen {

// One event of /_isapi/events, reduced to what the race uses.
struct HostEvent {
    std::uint64_t seq = 0;
    std::string kind;  // module_load, module_unload, finding, ...
    std::optional<RaceFinding> finding;  // kind == "finding" (time_s left 0)
};

// Parses one JSON line of /_isapi/events; nullopt for a line that is not an event.
std::optional<HostEvent> parse_host_event(std::string_view line);

// Reads the events after the last one it has seen.
class HostEventFeed {
public:
    explicit HostEventFeed(Url admin) : admin_(std::move(admin)) {}

    // The new events, oldest first. Throws std::runtime_error when the admin
    // API cannot be reached or answers anything but 200.
    std::vector<HostEvent> poll();
    // Events the host's ring dropped before they were read (0 normally).
    std::uint64_t missed() const { return missed_; }

private:
    Url admin_;
    std::uint64_t last_seq_ = 0;
    std::uint64_t missed_ = 0;
};

// The findings a host logged ("finding KIND in MODULE (worker PID, load N):
// EVIDENCE", or without "worker PID, " in process), in the order logged.
// Only the first line of each evidence is in the log line.
std::vector<RaceFinding> findings_in_host_log(const std::string& log_text);

}  // namespace isapi::loadgen
