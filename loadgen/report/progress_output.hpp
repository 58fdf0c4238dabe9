#pragma once
// Where a long command's progress goes (--progress MODE, for run, replay,
// swap, swap-bench and race):
//   auto   a line rewritten in place, only when that stream is a terminal
//          (a person watching); nothing in logs and pipes;
//   lines  one line per update on stderr, ended by a newline, whatever
//          stderr is: progress a CI log keeps;
//   off    nothing (--no-progress says the same).
#include <optional>
#include <string>
#include <string_view>

#include <isapi/platform/terminal.hpp>

namespace isapi::loadgen {

enum class ProgressMode { automatic, lines, off };

std::optional<ProgressMode> parse_progress_mode(std::string_view text);
// The mode from --progress and --no-progress; throws std::invalid_argument
// naming the choices for an unknown one.
ProgressMode progress_mode_from(const std::string& text, bool no_progress);

class ProgressOutput {
public:
    // `live` is the stream an automatic line is rewritten on. Quiet
    // commands print no progress in any mode.
    ProgressOutput(ProgressMode mode, platform::StandardStream live, bool quiet = false);

    bool active() const { return mode_ != ProgressMode::off; }
    void show(std::string_view line);
    // Clears a line rewritten in place (before other output); no-op otherwise.
    void clear();

private:
    ProgressMode mode_;
    platform::StandardStream live_;
    bool shown_ = false;
};

}  // namespace isapi::loadgen
