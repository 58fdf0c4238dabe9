#pragma once
// The Prometheus text exposition format (version 0.0.4) of the host's
// counters, for GET /_isapi/metrics. No I/O, so it is unit-tested directly.
#include "../events/lifecycle_counters.hpp"
#include "../events/request_counters.hpp"

#include <isapi/platform/process_stats.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace isapi::host {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// One process's process_* samples: the host's own (no labels) or a worker's.
struct ProcessSample {
    bool worker = false;
    std::uint64_t generation = 0;  // the worker label: the X-Isapi-Build header's worker=N
    std::uint64_t pid = 0;
    platform::ProcessStats stats;
};

struct MetricsSnapshot {
    RequestCounters::Snapshot requests;
    LifecycleCounters::Snapshot lifecycle;
    double uptime_seconds = 0;
    std::vector<RequestLatencies::Series> latencies;
    std::vector<ProcessSample> processes;  // the host first
};

std::string format_metrics(const MetricsSnapshot& snapshot);

// A label value with \, " and newline escaped as the format requires.
std::string escape_label_value(std::string_view value);

}  // namespace isapi::host
