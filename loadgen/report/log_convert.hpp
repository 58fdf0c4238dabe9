#pragma once
// Turns a binary per-request log into the CSV one (convert-log subcommand).
#include <istream>
#include <ostream>
#include <string>

namespace isapi::loadgen {

// Streams `in` to `out` with constant memory. Returns the number of records,
// or -1 with the reason in `error` (bad magic, truncated or corrupt item).
long long convert_binary_log(std::istream& in, std::ostream& out, std::string& error);

}  // namespace isapi::loadgen
