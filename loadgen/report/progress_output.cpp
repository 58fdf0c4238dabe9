#include "progress_output.hpp"

#include <cstdio>
#include <stdexcept>

namespace isapi::loadgen {

std::optional<ProgressMode> parse_progress_mode(std::string_view text) {
    if (text == "auto") return ProgressMode::automatic;
    if (text == "lines") return ProgressMode::lines;
    if (text == "off") return ProgressMode::off;
    return std::nullopt;
}

ProgressMode progress_mode_from(const std::string& text, bool no_progress) {
    const auto mode = parse_progress_mode(text);
    if (!mode) throw std::invalid_argument("unknown --progress '" + text + "'; choose auto, lines or off");
    return no_progress ? ProgressMode::off : *mode;
}

ProgressOutput::ProgressOutput(ProgressMode mode, platform::StandardStream live, bool quiet)
    : mode_(quiet ? ProgressMode::off : mode), live_(live) {
    if (mode_ == ProgressMode::automatic && !platform::is_terminal(live_)) mode_ = ProgressMode::off;
}

void ProgressOutput::show(std::string_view line) {
    const int length = static_cast<int>(line.size());
    if (mode_ == ProgressMode::lines) {
        std::fprintf(stderr, "%.*s\n", length, line.data());
        std::fflush(stderr);
    } else if (mode_ == ProgressMode::automatic) {
        FILE* out = live_ == platform::StandardStream::error ? stderr : stdout;
        std::fprintf(out, "\r%.*s\x1b[K", length, line.data());
        std::fflush(out);
        shown_ = true;
    }
}

void ProgressOutput::clear() {
    if (!shown_) return;
    FILE* out = live_ == platform::StandardStream::error ? stderr : stdout;
    std::fprintf(out, "\r\x1b[K");
    std::fflush(out);
    shown_ = false;
}

}  // namespace isapi::loadgen
