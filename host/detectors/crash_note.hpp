#pragma once
// The findings a worker's crash handler left behind (unloaded_code_executed,
// entry_point_crash): one line each in its crash note file, which the front
// end reads once it has reaped the worker. Format in
// <isapi/platform/crash_handler.hpp>.
#include <isapi/ecb/finding.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace isapi::host {

// Lines that do not parse (a record cut short by the crash) are skipped.
std::vector<ecb::Finding> parse_crash_note(std::string_view text);

// Reads and removes the note file; nothing when there is none.
std::vector<ecb::Finding> take_crash_note(const std::string& path);

}  // namespace isapi::host
