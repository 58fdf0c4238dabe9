#pragma once
// --progress MODE and --no-progress, the same on every long command
// (report/progress_output.hpp says what each mode prints).
#include <string>

#include <CLI/CLI.hpp>

namespace isapi::loadgen {

inline void add_progress_options(CLI::App& cmd, std::string& mode, bool& off) {
    cmd.add_option("--progress", mode,
                   "auto (a line redrawn in place, only on a terminal), lines (a line per second on stderr, "
                   "for CI logs) or off")
        ->capture_default_str();
    cmd.add_flag("--no-progress", off, "Never print progress (--progress off)");
}

}  // namespace isapi::loadgen
