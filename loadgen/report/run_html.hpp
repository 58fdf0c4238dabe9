#pragma once
// The HTML page of run and replay (--html FILE): one self-contained file,
// inline SVG and CSS, readable without JavaScript. A header with the
// command, target, duration, totals and the --expect/--fail-if outcomes (a
// verdict only when some were given), then three charts: latency over time
// (p50, p99 and max per time bucket), answered and failed requests per
// second over time, and the percentile spectrum on HdrHistogram's log scale
// of 1/(1-p).
#include <string>
#include <string_view>

#include "report_input.hpp"

namespace isapi::loadgen {

// `command_line` is shown as given (the arguments, joined by spaces).
std::string run_html_report(const ReportInput& in, std::string_view command_line);

}  // namespace isapi::loadgen
