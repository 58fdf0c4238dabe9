#pragma once
// How isapi-loadgen starts the host it drives itself (for `swap` and
// `race`): which executable, on which addresses, and the URLs to reach it.
// The process itself is isapi::host_control::HostProcess.
#include <memory>
#include <string>
#include <vector>

#include <isapi/contract/host_process.hpp>

#include "../client/url.hpp"

namespace isapi::loadgen {

using host_control::HostProcess;

// The isapi-host to run: `explicit_path` if given, else $ISAPI_HOST, else the
// one beside this executable or in the build tree's ../host/. Throws
// std::runtime_error listing where it looked.
std::string locate_host_executable(const std::string& explicit_path);

// Starts `executable` listening and serving its admin API on loopback ports
// the OS picks, with `args` after those, its output kept in `output_file`;
// returns once both addresses are printed. Throws as HostProcess does.
std::unique_ptr<HostProcess> start_loopback_host(const std::string& executable, const std::vector<std::string>& args,
                                                 const std::string& output_file);

// http://ADDR:PORT/ of the host's extensions and of its admin API.
Url base_url(const HostProcess& host);
Url admin_url(const HostProcess& host);

}  // namespace isapi::loadgen
