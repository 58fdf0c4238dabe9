#include "event_recorder.hpp"

namespace isapi::host {

void EventRecorder::module_event(const ModuleEvent& event) {
    Event entry;
    entry.module = event.module;
    entry.load_generation = event.load_generation;
    switch (event.kind) {
        case ModuleEvent::Kind::loaded:
            counters_.loaded();
            entry.kind = EventKind::module_load;
            entry.identity = event.identity;
            entry.detail = event.description;
            break;
        case ModuleEvent::Kind::load_failed:
            counters_.load_failed();
            entry.kind = EventKind::load_failure;
            entry.detail = event.detail;
            break;
        case ModuleEvent::Kind::terminated:
            counters_.terminated();
            entry.kind = EventKind::terminate_extension;
            entry.detail = event.detail;
            break;
        case ModuleEvent::Kind::unloaded:
            counters_.unloaded();
            entry.kind = EventKind::module_unload;
            entry.detail = event.detail;
            break;
    }
    log_.append(std::move(entry));
}

void EventRecorder::finding(const ecb::Finding& finding) {
    counters_.finding(finding.kind);
    Event entry;
    entry.kind = EventKind::finding;
    entry.module = finding.module;
    entry.load_generation = finding.load_generation;
    entry.finding = finding.kind;
    entry.detail = finding.evidence;
    log_.append(std::move(entry), finding.time);
}

void EventRecorder::host_event(EventKind kind, std::string detail) {
    Event entry;
    entry.kind = kind;
    entry.detail = std::move(detail);
    log_.append(std::move(entry));
}

}  // namespace isapi::host
