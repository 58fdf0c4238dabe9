#pragma once
// What a running process uses, as the Prometheus client libraries report it
// in their process_* metrics: CPU time, resident and virtual memory, open
// descriptors (handles on Windows) and their limit, and the start time.
// Linux reads /proc/PID/{stat,fd,limits}; Windows asks GetProcessTimes,
// GetProcessMemoryInfo and GetProcessHandleCount.
#include "process.hpp"

#include <cstdint>
#include <optional>

namespace isapi::platform {

struct ProcessStats {
    double cpu_seconds = 0;              // user + system
    std::uint64_t resident_bytes = 0;    // resident set (Windows: working set)
    std::uint64_t virtual_bytes = 0;     // address space (Windows: private bytes, the commit charge)
    std::uint64_t open_fds = 0;          // descriptors (Windows: handles; Wine reports 0)
    std::optional<std::uint64_t> max_fds;  // the soft limit on descriptors; none on Windows
    double start_time_seconds = 0;       // since the Unix epoch
};

// The stats of process `pid` (this process's own id included); nullopt when
// it has ended or cannot be read.
std::optional<ProcessStats> process_stats(ProcessId pid);

}  // namespace isapi::platform
