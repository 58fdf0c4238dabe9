#include "admin_json.hpp"

#include <chrono>
#include <cstdio>

namespace isapi::host {

std::string iso8601_utc(std::chrono::system_clock::time_point time) {
    using namespace std::chrono;
    // The calendar from <chrono>, not gmtime_r (POSIX only): UTC needs no
    // time zone database.
    const auto us = floor<microseconds>(time);
    const sys_days day = floor<days>(us);
    const year_month_day date{day};
    const hh_mm_ss clock{floor<seconds>(us) - day};
    char text[96];  // room for any int the format could see
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()), static_cast<int>((us - floor<seconds>(us)).count()));
    return text;
}

nlohmann::ordered_json event_to_json(const Event& event, std::chrono::steady_clock::time_point log_start) {
    nlohmann::ordered_json j;
    j["seq"] = event.seq;
    j["mono_us"] = event.since_start.count();
    j["steady_us"] =
        (std::chrono::duration_cast<std::chrono::microseconds>(log_start.time_since_epoch()) + event.since_start).count();
    j["time"] = iso8601_utc(event.wall_time);
    j["kind"] = to_string(event.kind);
    if (!event.module.empty()) j["module"] = event.module;
    if (event.load_generation != 0) j["load"] = event.load_generation;
    if (!event.finding.empty()) j["finding"] = event.finding;
    if (!event.identity.empty()) j["identity"] = event.identity;
    if (!event.detail.empty()) j["detail"] = event.detail;
    if (event.worker_pid != 0) {
        j["worker_pid"] = event.worker_pid;
        j["worker_generation"] = event.worker_generation;
    }
    return j;
}

std::string events_as_json_lines(const std::vector<Event>& events, std::chrono::steady_clock::time_point log_start) {
    std::string out;
    for (const Event& event : events) {
        // Invalid UTF-8 from an extension's text must not make the dump throw.
        out.append(event_to_json(event, log_start).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
        out.push_back('\n');
    }
    return out;
}

nlohmann::ordered_json status_to_json(const HostStatus& status, const MetricsSnapshot& counters, const EventLogStatus& events) {
    nlohmann::ordered_json j;
    j["pid"] = status.pid;
    j["isolation"] = status.isolation;
    j["uptime_seconds"] = counters.uptime_seconds;
    j["identity_header"] = status.identity_header;

    auto& mappings = j["mappings"] = nlohmann::ordered_json::array();
    for (const auto& m : status.mappings) mappings.push_back({{"url", m.url}, {"module", m.module}, {"mode", m.mode}});

    auto& workers = j["workers"] = nlohmann::ordered_json::array();
    for (const auto& w : status.workers)
        workers.push_back({{"pid", w.pid},
                           {"generation", w.generation},
                           {"state", w.state},
                           {"requests_in_flight", w.in_flight},
                           {"requests_served", w.served}});
    if (!status.pool_state.empty()) j["pool"] = status.pool_state;

    auto& modules = j["modules"] = nlohmann::ordered_json::array();
    for (const auto& m : status.modules) {
        modules.push_back({{"module", m.module},
                           {"path", m.path},
                           {"load_generation", m.load_generation},
                           {"mode", to_string(m.mode)},
                           {"sha256", m.sha256},
                           {"identity", m.identity},
                           {"description", m.description},
                           {"requests_in_progress", m.requests}});
    }

    nlohmann::ordered_json by_status = nlohmann::ordered_json::object();
    for (unsigned s = 0; s < counters.requests.by_status.size(); ++s)
        if (counters.requests.by_status[s] > 0) by_status[std::to_string(s)] = counters.requests.by_status[s];
    nlohmann::ordered_json findings = nlohmann::ordered_json::object();
    for (const auto& [kind, count] : counters.lifecycle.findings) findings[kind] = count;
    j["counters"] = {{"requests_total", counters.requests.total()},
                     {"requests_by_status", std::move(by_status)},
                     {"requests_in_flight", counters.requests.in_flight},
                     {"module_loads", counters.lifecycle.loads},
                     {"module_unloads", counters.lifecycle.unloads},
                     {"module_load_failures", counters.lifecycle.load_failures},
                     {"terminate_extension_calls", counters.lifecycle.terminates},
                     {"worker_starts", counters.lifecycle.worker_starts},
                     {"worker_crashes", counters.lifecycle.worker_crashes},
                     {"worker_kills", counters.lifecycle.worker_kills},
                     {"recycles", counters.lifecycle.recycles},
                     {"findings", std::move(findings)}};
    j["events"] = {{"first_seq", events.first_seq}, {"last_seq", events.last_seq}, {"capacity", events.capacity}};
    return j;
}

}  // namespace isapi::host
