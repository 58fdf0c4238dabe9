#pragma once
// The options of the parts, derived from the command line in one place. The
// worker's settings are made from the in-process runtime's, so both
// isolation modes run extensions with the same settings by construction.
#include "host_config.hpp"

#include "../runtime/extension_runtime.hpp"
#include "../workers/app_pool.hpp"

namespace isapi::host {

// --threads as it takes effect: 0 asks for the default from the core count.
std::size_t pool_threads(const HostConfig& config);

// What extensions run with in this process (--isolation inproc) and, through
// pool_options, in every worker. Loader and sinks are the caller's.
ExtensionRuntimeOptions runtime_options(const HostConfig& config);

// The application pool of --isolation process, with the worker settings
// taken from runtime_options.
AppPoolOptions pool_options(const HostConfig& config);

}  // namespace isapi::host
