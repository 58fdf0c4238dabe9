// The worker's main loop on an OS where worker processes are not ported yet
// (Windows: docs/windows.md): no front end starts one there, so a
// --worker-channel typed by hand ends here.
#include "worker_main.hpp"

#include <isapi/contract/host_contract.hpp>

#include <cstdio>

namespace isapi::host {

int run_worker(platform::NativeChannel) {
    std::fprintf(stderr, "isapi-host: worker processes are not yet available on this OS\n");
    return contract::exit_usage;
}

}  // namespace isapi::host
