// The worker-process back end on an OS where worker processes are not ported
// yet (Windows: docs/windows.md). The command line refuses
// `--isolation process` there before anything gets this far.
#include "backend.hpp"

#include <stdexcept>

namespace isapi::host {

std::unique_ptr<Backend> make_process_backend(BackendParts) {
    throw std::runtime_error("worker processes are not yet available on this OS; use --isolation inproc");
}

}  // namespace isapi::host
