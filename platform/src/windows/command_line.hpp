#pragma once
// The two strings CreateProcessW takes from us: the command line, which the
// child splits back into arguments, and the environment block.
#include <string>
#include <vector>

namespace isapi::platform::windows {

// `arguments` (UTF-8, the program's path first) as one command line that
// CommandLineToArgvW, and the C runtime's argv, split back into the same
// arguments.
std::wstring command_line(const std::vector<std::string>& arguments);

// This process's environment with `overrides` ("NAME=value", UTF-8) set on
// top, as a CREATE_UNICODE_ENVIRONMENT block: sorted by name without case,
// each entry ended by a NUL, the block by another.
std::wstring environment_block(const std::vector<std::string>& overrides);

}  // namespace isapi::platform::windows
