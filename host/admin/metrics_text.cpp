#include "metrics_text.hpp"

#include <cstdio>

namespace isapi::host {
namespace {

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::uint64_t value) {
    out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

// A family with one unlabelled sample.
void single(std::string& out, std::string_view name, std::string_view type, std::string_view help, std::uint64_t value) {
    family(out, name, type, help);
    sample(out, name, value);
}

void labelled(std::string& out, std::string_view name, std::string_view label, std::string_view label_value,
              std::uint64_t value) {
    out.append(name).append("{").append(label).append("=\"").append(escape_label_value(label_value));
    out.append("\"} ").append(std::to_string(value)).append("\n");
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string format_metrics(const MetricsSnapshot& s) {
    std::string out;
    out.reserve(2048);

    family(out, "isapi_requests_total", "counter",
           "Requests answered, by HTTP status (0: the connection closed before any response).");
    for (unsigned status = 0; status < s.requests.by_status.size(); ++status)
        if (s.requests.by_status[status] > 0)
            labelled(out, "isapi_requests_total", "status", std::to_string(status), s.requests.by_status[status]);

    single(out, "isapi_requests_in_flight", "gauge", "Requests being served right now.", s.requests.in_flight);

    single(out, "isapi_module_loads_total", "counter", "Module loads that passed GetExtensionVersion.", s.lifecycle.loads);

    single(out, "isapi_module_unloads_total", "counter", "Modules unloaded after TerminateExtension.", s.lifecycle.unloads);

    single(out, "isapi_module_load_failures_total", "counter",
           "Loads that failed: missing file, not a module, missing export, or GetExtensionVersion refused.", s.lifecycle.load_failures);

    single(out, "isapi_terminate_extension_calls_total", "counter", "TerminateExtension calls.", s.lifecycle.terminates);

    single(out, "isapi_worker_starts_total", "counter", "Worker processes started.", s.lifecycle.worker_starts);

    single(out, "isapi_worker_crashes_total", "counter",
           "Worker processes that ended without being asked to (a signal or an exit).", s.lifecycle.worker_crashes);

    single(out, "isapi_worker_kills_total", "counter", "Workers killed past the shutdown time limit or when hung.", s.lifecycle.worker_kills);

    single(out, "isapi_recycles_total", "counter", "Recycles started (admin API, SIGHUP, limits, --watch, ping).", s.lifecycle.recycles);

    family(out, "isapi_findings_total", "counter", "Lifecycle bugs found in extensions, by kind.");
    for (const auto& [kind, count] : s.lifecycle.findings) labelled(out, "isapi_findings_total", "kind", kind, count);

    family(out, "isapi_uptime_seconds", "gauge", "Seconds since the host started.");
    char uptime[32];
    std::snprintf(uptime, sizeof uptime, "%.3f", s.uptime_seconds);
    out.append("isapi_uptime_seconds ").append(uptime).append("\n");
    return out;
}

}  // namespace isapi::host
