// What this process holds, from the Win32 counterparts of the POSIX sources:
// the working set for the resident set, private bytes (the commit charge) for
// the heap, open handles for descriptors (Wine reports 0), and a
// Toolhelp32 snapshot for the thread count.
#include <isapi/platform/resource_usage.hpp>

#include "os_error.hpp"

#include <windows.h>
// After windows.h, which they need.
#include <psapi.h>
#include <tlhelp32.h>

namespace isapi::platform {
namespace {

std::uint64_t thread_count() {
    windows::Handle snapshot(::CreateToolhelp32Snapshot(TH32CS_SNAPTHREAD, 0));
    if (!snapshot.valid()) return 0;
    const DWORD self = ::GetCurrentProcessId();
    THREADENTRY32 entry{};
    entry.dwSize = sizeof entry;
    std::uint64_t count = 0;
    for (BOOL more = ::Thread32First(snapshot.get(), &entry); more; more = ::Thread32Next(snapshot.get(), &entry))
        if (entry.th32OwnerProcessID == self) ++count;
    return count;
}

}  // namespace

ResourceUsage resource_usage() {
    ResourceUsage usage;
    PROCESS_MEMORY_COUNTERS memory{};
    memory.cb = sizeof memory;
    if (::GetProcessMemoryInfo(::GetCurrentProcess(), &memory, sizeof memory)) {
        usage.rss_bytes = memory.WorkingSetSize;
        // The commit charge: private bytes (PROCESS_MEMORY_COUNTERS_EX's
        // PrivateUsage is the same figure, and Wine leaves it 0).
        usage.heap_in_use_bytes = memory.PagefileUsage;
    }
    DWORD handles = 0;
    if (::GetProcessHandleCount(::GetCurrentProcess(), &handles)) usage.open_fds = handles;
    usage.threads = thread_count();
    return usage;
}

}  // namespace isapi::platform
