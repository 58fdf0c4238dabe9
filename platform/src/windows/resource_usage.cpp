// What this process holds, from the Win32 counterparts of the POSIX sources:
// the working set for the resident set, private bytes (the commit charge) for
// the heap, open handles for descriptors, and the thread list of threads.hpp
// for the thread count. Under Wine 8, PrivateUsage and GetProcessHandleCount
// are 0 (and so is the handle count in the system's process list): the
// commit charge then comes from PagefileUsage (on Windows the same figure),
// and the handles are counted in ntdll's system-wide handle list, which Wine
// keeps.
#include <isapi/platform/resource_usage.hpp>

#include "threads.hpp"

#include <windows.h>
// After windows.h, which it needs.
#include <psapi.h>

#include <algorithm>
#include <vector>

namespace isapi::platform {
namespace {

// NtQuerySystemInformation(SystemHandleInformation): every handle of every
// process, each entry naming its owner's process id.
struct SystemHandleEntry {
    ULONG owner_pid;
    BYTE object_type;
    BYTE flags;
    USHORT handle;
    void* object;
    ACCESS_MASK access;
};
struct SystemHandleList {
    ULONG count;
    SystemHandleEntry entries[1];
};
using QuerySystem = LONG(NTAPI*)(ULONG, void*, ULONG, ULONG*);
constexpr ULONG kSystemHandleInformation = 16;
constexpr LONG kInfoLengthMismatch = static_cast<LONG>(0xC0000004);

// This process's handles in the system's list; 0 when it cannot be read.
// Only asked when GetProcessHandleCount says 0, which a Windows process
// never does (it holds a few handles from its start).
std::uint64_t handles_in_system_list() {
    static const auto query = reinterpret_cast<QuerySystem>(
        reinterpret_cast<void*>(::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), "NtQuerySystemInformation")));
    if (query == nullptr) return 0;
    std::vector<unsigned char> buffer(64 * 1024);
    for (int attempt = 0; attempt < 8; ++attempt) {
        ULONG needed = 0;
        const LONG status = query(kSystemHandleInformation, buffer.data(), static_cast<ULONG>(buffer.size()), &needed);
        if (status == kInfoLengthMismatch) {
            buffer.resize(std::max<std::size_t>(buffer.size() * 2, needed));
            continue;
        }
        if (status < 0) return 0;
        const auto* list = reinterpret_cast<const SystemHandleList*>(buffer.data());
        const ULONG self = ::GetCurrentProcessId();
        std::uint64_t count = 0;
        for (ULONG i = 0; i < list->count; ++i)
            if (list->entries[i].owner_pid == self) ++count;
        return count;
    }
    return 0;
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
    if (usage.open_fds == 0) usage.open_fds = handles_in_system_list();
    usage.threads = windows::process_thread_ids().size();
    return usage;
}

}  // namespace isapi::platform
