#pragma once
// Whether this OS's port can run extensions in worker processes yet: the
// command line refuses `--isolation process` where it cannot, and defaults to
// in-process hosting there.
#include <string_view>

namespace isapi::platform {

// Empty when worker processes are available; otherwise why they are not.
constexpr std::string_view worker_processes_unavailable() {
#ifdef _WIN32
    return "worker processes are not yet available on Windows";  // process control and the channel: docs/windows.md
#else
    return {};
#endif
}

}  // namespace isapi::platform
