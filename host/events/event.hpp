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
    // worker processes (--isolation process)
    worker_start,   // spawned
    worker_ready,   // configured (modules preloaded when asked) and taking requests
    worker_exit,    // ended after a drain
    worker_crash,   // ended without being asked to: signal or exit code, requests lost
    worker_kill,    // killed: past the shutdown time limit, or hung
    recycle,        // a recycle began (mode, trigger)
    recycle_failed, // the new worker could not start or load; the old one keeps serving
    pool_stop,      // rapid-fail protection stopped the pool (503 until reset)
    pool_reset,     // the admin API restarted a stopped pool
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
    std::uint32_t worker_pid = 0;         // the worker it happened in (0: the host itself)
    std::uint64_t worker_generation = 0;
};

}  // namespace isapi::host
