#pragma once
// The host's lifecycle events (GET /_isapi/events, JSON lines), read
// incrementally by sequence number: what `swap` and `race` learn from the
// host besides the responses.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../client/url.hpp"

namespace isapi::loadgen {

// One event, with the fields the load generator uses (absent ones empty/0).
struct HostEvent {
    std::uint64_t seq = 0;
    std::int64_t steady_us = -1;  // the machine's monotonic clock; -1 from an older host
    std::string kind;             // module_load, load_failure, recycle, finding, ...
    std::string module;
    std::uint64_t load_generation = 0;
    std::string finding;   // kind == "finding": its kind
    std::string identity;  // module_load: the build identity
    std::string detail;
};

// Parses one JSON line; nullopt for a line that is not an event (no seq).
std::optional<HostEvent> parse_host_event(std::string_view line);

// Reads the events after the last one it has seen.
class HostEventFeed {
public:
    explicit HostEventFeed(Url admin, std::string token = {}) : admin_(std::move(admin)), token_(std::move(token)) {}

    // The new events, oldest first. Throws std::runtime_error when the admin
    // API cannot be reached or answers anything but 200.
    std::vector<HostEvent> poll();
    std::uint64_t last_seq() const { return last_seq_; }
    // Events the host's ring dropped before they were read (0 normally).
    std::uint64_t missed() const { return missed_; }

private:
    Url admin_;
    std::string token_;
    std::uint64_t last_seq_ = 0;
    std::uint64_t missed_ = 0;
};

}  // namespace isapi::loadgen
