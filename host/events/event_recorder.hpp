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

namespace isapi::host {

class EventRecorder {
public:
    EventRecorder(EventLog& log, LifecycleCounters& counters) : log_(log), counters_(counters) {}

    void module_event(const ModuleEvent& event);
    void finding(const ecb::Finding& finding);
    void host_event(EventKind kind, std::string detail);

    EventLog& log() { return log_; }

private:
    EventLog& log_;
    LifecycleCounters& counters_;
};

}  // namespace isapi::host
