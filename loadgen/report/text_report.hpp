#pragma once
// The human summary printed at the end of a run.
#include <ostream>

#include "report_input.hpp"

namespace isapi::loadgen {

void write_text_report(std::ostream& out, const ReportInput& in);

}  // namespace isapi::loadgen
