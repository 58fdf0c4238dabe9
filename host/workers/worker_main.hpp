#pragma once
// The worker process (like w3wp): isapi-host re-executes itself with
// --worker-channel N; the worker reads its config from the channel, then runs
// the ECB emulator and module manager on the requests the front end forwards,
// exactly as the in-process host would.
#include <isapi/platform/process.hpp>

namespace isapi::host {

// Serves until told to drain (exit 0; 3 when requests outlived the shutdown
// time limit) or until the front end goes away (exit 0 at once: nobody is
// left to answer).
int run_worker(platform::NativeChannel channel);

}  // namespace isapi::host
