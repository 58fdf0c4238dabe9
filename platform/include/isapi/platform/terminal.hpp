#pragma once
// Whether a standard stream is a terminal: progress lines that redraw
// themselves only make sense on one.

namespace isapi::platform {

enum class StandardStream { output, error };

bool is_terminal(StandardStream stream);

}  // namespace isapi::platform
