#pragma once
// JUnit XML (--junit FILE) for CI: one test case that every request was
// accounted for, one that no request failed, and one per --fail-if threshold.
#include <string>

#include "report_input.hpp"

namespace isapi::loadgen {

std::string junit_report(const ReportInput& in);

}  // namespace isapi::loadgen
