// The POSIX last-error slot declared by httpext.h. It lives in the host
// executable, which exports it (cmake/host-exports.list), so the host's
// SetLastError and an extension's GetLastError share one thread-local.
// On Windows both sides use kernel32's: a definition here would shadow it
// for the host alone, and extensions would read a slot nobody writes.
#if !defined(_WIN32)
#include <httpext.h>

namespace {
thread_local DWORD last_error = 0;
}

extern "C" DWORD GetLastError(void) { return last_error; }
extern "C" void SetLastError(DWORD dwErrCode) { last_error = dwErrCode; }
#endif
