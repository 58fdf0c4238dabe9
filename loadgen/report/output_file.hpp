#pragma once
// Writes a report file atomically: the text goes to "<path>.tmp" and is
// renamed over <path>, so a reader never sees half a report.
#include <iostream>
#include <string>

namespace isapi::loadgen {

// Returns false with the reason in `error`.
bool write_file_atomically(const std::string& path, const std::string& text, std::string& error);

// A report file the user asked for: nothing (true) when `path` is empty,
// else `make()`'s text written atomically; on failure the reason goes to
// stderr and the result is false. The text is made only when asked for.
template <typename Make>
bool write_requested_report(const std::string& path, const Make& make) {
    if (path.empty()) return true;
    std::string error;
    if (write_file_atomically(path, make(), error)) return true;
    std::cerr << "isapi-loadgen: " << error << '\n';
    return false;
}

}  // namespace isapi::loadgen
