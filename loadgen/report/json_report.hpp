#pragma once
// The machine-readable summary of run and replay (--json FILE), and the
// load part of swap's. Its schema is docs/schemas/run.schema.json: every
// duration in microseconds (`_us`), rates per second (`_per_s`), sizes in
// bytes (`_bytes`), null where there is none (target_rate_per_s and
// latency_uncorrected_us of a closed loop, log_error without an error).
#include <string>

#include "report_input.hpp"

namespace isapi::loadgen {

std::string json_report(const ReportInput& in);

}  // namespace isapi::loadgen
