#pragma once
#include "host_config.hpp"

namespace isapi::host {

// Runs isapi-host until SIGINT or SIGTERM; returns the process exit code.
int run_host(const HostConfig& config);

}  // namespace isapi::host
