#pragma once
// Writes a report file atomically: the text goes to "<path>.tmp" and is
// renamed over <path>, so a reader never sees half a report.
#include <string>

namespace isapi::loadgen {

// Returns false with the reason in `error`.
bool write_file_atomically(const std::string& path, const std::string& text, std::string& error);

}  // namespace isapi::loadgen
