// GetProcessTimes for CPU time and the start time, GetProcessMemoryInfo for
// the working set and private bytes, GetProcessHandleCount for the handles
// (Microsoft Learn: processthreadsapi.h, psapi.h). As the Prometheus Go
// client does on Windows, private bytes stand for virtual memory; Wine 8
// reports PrivateUsage as 0, and PagefileUsage (on Windows the same figure)
// stands in. Windows has no per-process descriptor limit to report.
#include <isapi/platform/process_stats.hpp>

#include "os_error.hpp"

#include <windows.h>
// After windows.h, which it needs.
#include <psapi.h>

namespace isapi::platform {
namespace {

std::uint64_t hundred_ns(const FILETIME& t) {
    return (static_cast<std::uint64_t>(t.dwHighDateTime) << 32) | t.dwLowDateTime;
}

// FILETIME counts 100 ns intervals from 1601-01-01; Unix time from 1970.
constexpr std::uint64_t kEpochDifference = 116'444'736'000'000'000ULL;

}  // namespace

std::optional<ProcessStats> process_stats(ProcessId pid) {
    const bool self = pid == current_process_id();
    windows::Handle opened(nullptr);
    if (!self) opened.reset(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_VM_READ, FALSE, static_cast<DWORD>(pid)));
    const HANDLE process = self ? ::GetCurrentProcess() : opened.get();
    if (process == nullptr) return std::nullopt;
    DWORD exit_code = 0;
    if (!::GetExitCodeProcess(process, &exit_code) || exit_code != STILL_ACTIVE) return std::nullopt;

    ProcessStats out;
    FILETIME created{}, exited{}, kernel{}, user{};
    if (!::GetProcessTimes(process, &created, &exited, &kernel, &user)) return std::nullopt;
    out.cpu_seconds = static_cast<double>(hundred_ns(kernel) + hundred_ns(user)) / 1e7;
    const std::uint64_t start = hundred_ns(created);
    out.start_time_seconds = start > kEpochDifference ? static_cast<double>(start - kEpochDifference) / 1e7 : 0;

    PROCESS_MEMORY_COUNTERS_EX memory{};
    memory.cb = sizeof memory;
    if (::GetProcessMemoryInfo(process, reinterpret_cast<PROCESS_MEMORY_COUNTERS*>(&memory), sizeof memory)) {
        out.resident_bytes = memory.WorkingSetSize;
        out.virtual_bytes = memory.PrivateUsage != 0 ? memory.PrivateUsage : memory.PagefileUsage;
    }
    DWORD handles = 0;
    if (::GetProcessHandleCount(process, &handles)) out.open_fds = handles;
    return out;
}

}  // namespace isapi::platform
