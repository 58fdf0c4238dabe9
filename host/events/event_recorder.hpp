#pragma once
// Where the host's lifecycle news goes: module events from the module
// manager and findings from the ECB emulator and the manager become entries
// in the event log and bumps of the lifecycle counters. A worker-process
// dispatcher feeds the same two entry points with what its workers report.
#include "event_log.hpp"
#include "lifecycle_counters.hpp"

#include "../modules/module_manager.hpp"

#include <isapi/ecb/finding.hpp>

#include <string>
#include <string_view>

namespace isapi::host {

// Where an event happened: the host itself (zeros), or one of its workers.
struct EventOrigin {
    std::uint32_t worker_pid = 0;
    std::uint64_t worker_generation = 0;
};

class EventRecorder {
public:
    using Origin = EventOrigin;

    EventRecorder(EventLog& log, LifecycleCounters& counters) : log_(log), counters_(counters) {}

    void module_event(const ModuleEvent& event, Origin origin = {});
    void finding(const ecb::Finding& finding, Origin origin = {});
    void host_event(EventKind kind, std::string detail);
    // worker_* events, recycles and pool stops; counted for the metrics too.
    void worker_event(EventKind kind, Origin origin, std::string detail);

    EventLog& log() { return log_; }

    // A finding's evidence up to its first line break: what the log shows
    // (the events keep it whole; a hang's thread stacks run to pages).
    static std::string_view headline(const std::string& evidence);

private:
    EventLog& log_;
    LifecycleCounters& counters_;
};

}  // namespace isapi::host
