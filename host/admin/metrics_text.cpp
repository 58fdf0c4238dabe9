#include "metrics_text.hpp"

#include <cstdio>
#include <initializer_list>
#include <optional>
#include <utility>

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

using Label = std::pair<std::string_view, std::string_view>;

// `name{a="1",b="2"}` (no braces without labels), values escaped.
void series(std::string& out, std::string_view name, std::initializer_list<Label> labels) {
    out.append(name);
    if (labels.size() == 0) return;
    char separator = '{';
    for (const auto& [label, value] : labels) {
        out += separator;
        out.append(label).append("=\"").append(escape_label_value(value)).append("\"");
        separator = ',';
    }
    out += '}';
}

std::string decimal(double value) {
    char text[40];
    std::snprintf(text, sizeof text, "%.6f", value);
    return text;
}

// Cumulative buckets, +Inf last: the format's histogram, whose +Inf bucket
// equals _count (both are the sum of every bucket here).
void histogram(std::string& out, std::string_view name, const RequestLatencies::Series& s) {
    const std::string bucket = std::string(name) + "_bucket";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < LatencyHistogram::kSlots; ++i) {
        cumulative += s.histogram.counts[i];
        const std::string_view le = i < kLatencyBucketLabels.size() ? kLatencyBucketLabels[i] : "+Inf";
        series(out, bucket, {{"mapping", s.labels.mapping}, {"module", s.labels.module}, {"build", s.build}, {"le", le}});
        out.append(" ").append(std::to_string(cumulative)).append("\n");
    }
    const std::initializer_list<Label> labels{{"mapping", s.labels.mapping}, {"module", s.labels.module}, {"build", s.build}};
    series(out, std::string(name) + "_sum", labels);
    out.append(" ").append(decimal(static_cast<double>(s.histogram.sum_nanos) / 1e9)).append("\n");
    series(out, std::string(name) + "_count", labels);
    out.append(" ").append(std::to_string(cumulative)).append("\n");
}

// One process_* family: the host's sample unlabelled, as a client library
// names its own process, and each worker's with worker and pid labels.
template <class Value>
void process_family(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                    const std::vector<ProcessSample>& processes, Value value) {
    family(out, name, type, help);
    for (const ProcessSample& p : processes) {
        const auto text = value(p.stats);
        if (!text) continue;
        const std::string worker = std::to_string(p.generation), pid = std::to_string(p.pid);
        if (p.worker) series(out, name, {{"worker", worker}, {"pid", pid}});
        else series(out, name, {});
        out.append(" ").append(*text).append("\n");
    }
}

void process_metrics(std::string& out, const std::vector<ProcessSample>& processes) {
    using Stats = platform::ProcessStats;
    using Text = std::optional<std::string>;
    process_family(out, "process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.",
                   processes, [](const Stats& s) -> Text { return decimal(s.cpu_seconds); });
    process_family(out, "process_resident_memory_bytes", "gauge", "Resident memory (Windows: working set), in bytes.",
                   processes, [](const Stats& s) -> Text { return std::to_string(s.resident_bytes); });
    process_family(out, "process_virtual_memory_bytes", "gauge",
                   "Virtual memory (Windows: private bytes), in bytes.", processes,
                   [](const Stats& s) -> Text { return std::to_string(s.virtual_bytes); });
    process_family(out, "process_open_fds", "gauge", "Open file descriptors (Windows: handles).", processes,
                   [](const Stats& s) -> Text { return std::to_string(s.open_fds); });
    process_family(out, "process_max_fds", "gauge", "The limit on open file descriptors (not on Windows).",
                   processes, [](const Stats& s) -> Text {
                       return s.max_fds ? Text(std::to_string(*s.max_fds)) : std::nullopt;
                   });
    process_family(out, "process_start_time_seconds", "gauge", "Start time since the Unix epoch, in seconds.",
                   processes, [](const Stats& s) -> Text { return decimal(s.start_time_seconds); });
}

void labelled(std::string& out, std::string_view name, std::string_view label, std::string_view label_value,
              std::uint64_t value) {
    series(out, name, {{label, label_value}});
    out.append(" ").append(std::to_string(value)).append("\n");
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

    family(out, "isapi_request_duration_seconds", "histogram",
           "Time from dispatch to the end of the response, per mapping and build of its module.");
    for (const auto& latency : s.latencies) histogram(out, "isapi_request_duration_seconds", latency);

    process_metrics(out, s.processes);

    family(out, "isapi_uptime_seconds", "gauge", "Seconds since the host started.");
    char uptime[32];
    std::snprintf(uptime, sizeof uptime, "%.3f", s.uptime_seconds);
    out.append("isapi_uptime_seconds ").append(uptime).append("\n");
    return out;
}

}  // namespace isapi::host
