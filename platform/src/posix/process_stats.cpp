// /proc/PID/stat for CPU time, memory and start time; /proc/PID/fd for the
// descriptors; /proc/PID/limits for their soft limit (proc(5)).
#include <isapi/platform/process_stats.hpp>

#include "fd.hpp"

#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace isapi::platform {
namespace {

// A small /proc file whole; empty when it cannot be read.
std::string read_proc(const std::string& path) {
    posix::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return {};
    std::string text(4096, '\0');
    std::size_t used = 0;
    for (;;) {
        const ssize_t n = ::read(fd.get(), text.data() + used, text.size() - used);
        if (n <= 0) break;
        used += static_cast<std::size_t>(n);
        if (used == text.size()) text.resize(text.size() * 2);
    }
    text.resize(used);
    return text;
}

// The kernel's boot time in seconds since the epoch ("btime" in /proc/stat):
// a process's start time in its stat counts clock ticks from there.
double boot_time_seconds() {
    static const double boot = [] {
        const std::string stat = read_proc("/proc/stat");
        const auto at = stat.find("\nbtime ");
        return at == std::string::npos ? 0.0 : std::strtod(stat.c_str() + at + 7, nullptr);
    }();
    return boot;
}

// Entries in /proc/PID/fd. Linux 6.2 and later give their number as the
// folder's size; older kernels report 0 there and the folder is listed.
std::uint64_t open_descriptors(const std::string& folder, bool self) {
    struct stat info{};
    if (::stat(folder.c_str(), &info) == 0 && info.st_size > 0) return static_cast<std::uint64_t>(info.st_size);
    DIR* dir = ::opendir(folder.c_str());
    if (!dir) return 0;
    std::uint64_t count = 0;
    while (const dirent* entry = ::readdir(dir))
        if (entry->d_name[0] != '.') ++count;
    ::closedir(dir);
    return self && count > 0 ? count - 1 : count;  // the listing's own descriptor
}

// The soft limit from the "Max open files" line; none when unlimited.
std::optional<std::uint64_t> max_descriptors(const std::string& limits) {
    constexpr std::string_view name = "Max open files";
    const auto at = limits.find(name);
    if (at == std::string::npos) return std::nullopt;
    const char* soft = limits.c_str() + at + name.size();
    while (*soft == ' ') ++soft;
    if (*soft < '0' || *soft > '9') return std::nullopt;  // "unlimited"
    return std::strtoull(soft, nullptr, 10);
}

}  // namespace

std::optional<ProcessStats> process_stats(ProcessId pid) {
    const std::string folder = "/proc/" + std::to_string(pid);
    const std::string stat = read_proc(folder + "/stat");
    // The command name may hold spaces and parentheses: fields count from
    // the last ')', field 3 (state) first.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
    long long rss = 0;
    if (std::sscanf(stat.c_str() + close + 1,
                    " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %llu %llu %lld",
                    &utime, &stime, &start, &vsize, &rss) != 5)
        return std::nullopt;
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    ProcessStats out;
    out.cpu_seconds = static_cast<double>(utime + stime) / ticks;
    out.resident_bytes = static_cast<std::uint64_t>(rss > 0 ? rss : 0) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    out.virtual_bytes = vsize;
    out.start_time_seconds = boot_time_seconds() + static_cast<double>(start) / ticks;
    out.open_fds = open_descriptors(folder + "/fd", pid == current_process_id());
    out.max_fds = max_descriptors(read_proc(folder + "/limits"));
    return out;
}

}  // namespace isapi::platform
