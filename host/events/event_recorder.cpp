#include "event_recorder.hpp"

namespace isapi::host {
namespace {

Event entry_from(EventKind kind, EventOrigin origin) {
    Event entry;
    entry.kind = kind;
    entry.worker_pid = origin.worker_pid;
    entry.worker_generation = origin.worker_generation;
    return entry;
}

}  // namespace

void EventRecorder::module_event(const ModuleEvent& event, Origin origin) {
    Event entry = entry_from(EventKind::module_load, origin);
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

std::string_view EventRecorder::headline(const std::string& evidence) {
    return std::string_view(evidence).substr(0, evidence.find('\n'));
}

void EventRecorder::finding(const ecb::Finding& finding, Origin origin) {
    counters_.finding(finding.kind);
    Event entry = entry_from(EventKind::finding, origin);
    entry.module = finding.module;
    entry.load_generation = finding.load_generation;
    entry.finding = finding.kind;
    entry.detail = finding.evidence;
    log_.append(std::move(entry), finding.time);
}

void EventRecorder::worker_event(EventKind kind, Origin origin, std::string detail) {
    switch (kind) {
        case EventKind::worker_start: counters_.worker_started(); break;
        case EventKind::worker_crash: counters_.worker_crashed(); break;
        case EventKind::worker_kill: counters_.worker_killed(); break;
        case EventKind::recycle: counters_.recycled(); break;
        default: break;
    }
    Event entry = entry_from(kind, origin);
    entry.detail = std::move(detail);
    log_.append(std::move(entry));
}

void EventRecorder::host_event(EventKind kind, std::string detail) {
    Event entry = entry_from(kind, {});
    entry.detail = std::move(detail);
    log_.append(std::move(entry));
}

}  // namespace isapi::host
