#pragma once
// The live line shown once per second while a run lasts (where it goes:
// progress_output.hpp).
#include <string>

#include "../client/runner.hpp"
#include "progress_output.hpp"

namespace isapi::loadgen {

// "[  12s] 9,998 req/s  sent 119,870  errors 0  p99 1.21ms"
std::string progress_line(const Progress& p);

// A load's progress callback that shows progress_line on `shown`; empty
// when `shown` prints nothing (the load then skips its live counters).
ProgressFn progress_to(ProgressOutput& shown);

}  // namespace isapi::loadgen
