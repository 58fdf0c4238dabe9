#pragma once
// Secrets passed in the environment (the admin token): read once, then gone
// from this process's environment before anything can inherit or read it
// (worker processes, extensions calling getenv, a debugger).
#include <optional>
#include <string>

namespace isapi::platform {

// The variable's value, or nullopt when it is not set. Its bytes in the
// environment are overwritten with zeros first, because on Linux
// /proc/PID/environ shows the environment as the process started with it,
// whatever unsetenv did later; then the variable is removed.
std::optional<std::string> take_environment_variable(const char* name);

}  // namespace isapi::platform
