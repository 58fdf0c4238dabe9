// What this process holds, from the Win32 counterparts of the POSIX sources:
// the working set for the resident set, private bytes (the commit charge) for
// the heap, open handles for descriptors, and the thread list of threads.hpp
// for the thread count. Under Wine 8, PrivateUsage and GetProcessHandleCount
// are 0 (and so is the handle count in the system's process list): the
// commit charge then comes from PagefileUsage (on Windows the same figure),
// and the handles are counted by probing handle values (below).
#include <isapi/platform/resource_usage.hpp>

#include "threads.hpp"

#include <windows.h>
// After windows.h, which it needs.
#include <psapi.h>

#include <cstdint>

namespace isapi::platform {
namespace {

// This process's open handles, found by asking for each handle value in
// turn. Only used when GetProcessHandleCount says 0, which a Windows process
// never does (it holds a few handles from its start): Wine 8 hands out the
// lowest free slot (value = slot * 4), so the table is dense, and a run of
// kGiveUpAfter free values means its end. A table with a larger hole would be
// undercounted, which a per-cycle trend tolerates. Each probe is a round trip
// to wineserver (about 26 us here), so a worker's sample costs about 2-3 ms:
// Wine only, where an uncached cycle takes about 10 ms anyway.
// Not NtQuerySystemInformation(SystemHandleInformation), which this read
// before: Wine 8.0's wineserver walks past the end of a process's emptied
// handle table in that query and crashes (SIGSEGV, seen in its core dump),
// taking every Wine process down with it; a process in its last moments has
// such a table, and uncached churn makes many.
std::uint64_t handles_by_probing() {
    constexpr std::uintptr_t kGiveUpAfter = 64;
    constexpr std::uintptr_t kMaxSlots = 1 << 20;
    std::uint64_t count = 0;
    std::uintptr_t free_run = 0;
    for (std::uintptr_t slot = 1; slot < kMaxSlots && free_run < kGiveUpAfter; ++slot) {
        DWORD flags = 0;
        if (::GetHandleInformation(reinterpret_cast<HANDLE>(slot * 4), &flags)) {
            ++count;
            free_run = 0;
        } else {
            ++free_run;
        }
    }
    return count;
}

}  // namespace

ResourceUsage resource_usage() {
    ResourceUsage usage;
    PROCESS_MEMORY_COUNTERS_EX memory{};
    memory.cb = sizeof memory;
    if (::GetProcessMemoryInfo(::GetCurrentProcess(), reinterpret_cast<PROCESS_MEMORY_COUNTERS*>(&memory),
                               sizeof memory)) {
        usage.rss_bytes = memory.WorkingSetSize;
        usage.heap_in_use_bytes = memory.PrivateUsage != 0 ? memory.PrivateUsage : memory.PagefileUsage;
    }
    DWORD handles = 0;
    if (::GetProcessHandleCount(::GetCurrentProcess(), &handles)) usage.open_fds = handles;
    if (usage.open_fds == 0) usage.open_fds = handles_by_probing();
    usage.threads = windows::process_thread_ids().size();
    return usage;
}

}  // namespace isapi::platform
