#pragma once
// The machine-readable summary (--json FILE). Keys: sent, answered, dropped,
// by_class, achieved_rate, latency_us {p50 p90 p99 p999 p9999 max mean},
// latency_uncorrected_us (open models only), builds, and context: command,
// target, model, target_rate, threads, connections, elapsed_s, bytes,
// malformed_lines, thresholds, passed.
#include <string>

#include "report_input.hpp"

namespace isapi::loadgen {

std::string json_report(const ReportInput& in);

}  // namespace isapi::loadgen
