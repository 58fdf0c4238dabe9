#pragma once
// One entry of the host's event log: a lifecycle step or a finding.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace isapi::host {

enum class EventKind {
    host_start,
    host_stop,
    module_load,
    load_failure,
    module_unload,
    terminate_extension,
    finding,
};

// "host_start", "module_load", ... as the admin API shows them.
std::string_view to_string(EventKind kind);

struct Event {
    std::uint64_t seq = 0;                            // 1, 2, 3 ... assigned by the log
    std::chrono::microseconds since_start{0};         // steady clock, from host start
    std::chrono::system_clock::time_point wall_time;  // for people reading the log
    EventKind kind = EventKind::host_start;
    std::string module;  // file name, empty for host events
    std::uint64_t load_generation = 0;
    std::string finding;  // finding: its kind, e.g. "double_done"
    std::string identity; // module_load: the build identity
    std::string detail;   // reason, evidence, description
};

}  // namespace isapi::host
