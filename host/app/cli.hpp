#pragma once
#include "host_config.hpp"

#include <optional>

namespace isapi::host {

// Parses isapi-host's command line. Prints help or a clear error itself;
// returns nullopt with `exit_code` set when the program should stop there.
std::optional<HostConfig> parse_command_line(int argc, char** argv, int& exit_code);

}  // namespace isapi::host
