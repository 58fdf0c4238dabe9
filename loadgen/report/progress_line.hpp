#pragma once
// The live line shown once per second while a run lasts, only when stdout
// is a terminal (so logs and pipes stay clean).
#include <string>

#include "../client/runner.hpp"

namespace isapi::loadgen {

// "[  12s] 9,998 req/s  sent 119,870  errors 0  p99 1.21ms"
std::string progress_line(const Progress& p);

}  // namespace isapi::loadgen
