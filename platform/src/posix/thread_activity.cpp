#include <isapi/platform/thread_activity.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace isapi::platform {
namespace {
void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

// The whole of a small /proc record, from its start.
bool read_record(int fd, char* text, std::size_t capacity) {
    const ssize_t size = ::pread(fd, text, capacity - 1, 0);
    if (size <= 0) return false;
    text[size] = '\0';
    return true;
}
}  // namespace

// Opened by the thread itself: /proc/thread-self names the caller, and the
// open files keep naming it when another thread reads them.
ThreadActivityProbe ThreadActivityProbe::of_this_thread() {
    ThreadActivityProbe probe;
    probe.schedstat_fd_ = ::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    probe.stat_fd_ = ::open("/proc/thread-self/stat", O_RDONLY | O_CLOEXEC);
    if (probe.schedstat_fd_ < 0 || probe.stat_fd_ < 0) return {};
    return probe;
}

ThreadActivityProbe::ThreadActivityProbe(ThreadActivityProbe&& other) noexcept
    : schedstat_fd_(std::exchange(other.schedstat_fd_, -1)), stat_fd_(std::exchange(other.stat_fd_, -1)) {}

ThreadActivityProbe& ThreadActivityProbe::operator=(ThreadActivityProbe&& other) noexcept {
    if (this != &other) {
        close_fd(schedstat_fd_);
        close_fd(stat_fd_);
        schedstat_fd_ = std::exchange(other.schedstat_fd_, -1);
        stat_fd_ = std::exchange(other.stat_fd_, -1);
    }
    return *this;
}

ThreadActivityProbe::~ThreadActivityProbe() {
    close_fd(schedstat_fd_);
    close_fd(stat_fd_);
}

std::optional<ThreadActivity> ThreadActivityProbe::read() const {
    if (schedstat_fd_ < 0 || stat_fd_ < 0) return std::nullopt;
    // schedstat: "<ns on a CPU> <ns waiting for one> <timeslices>\n"
    char text[512];
    if (!read_record(schedstat_fd_, text, sizeof text)) return std::nullopt;
    char* end = nullptr;
    const unsigned long long on_cpu = std::strtoull(text, &end, 10);
    if (end == text) return std::nullopt;
    // stat: "<tid> (<name>) <state> ...": the name may hold spaces and
    // parentheses, so the state follows the last ')'.
    if (!read_record(stat_fd_, text, sizeof text)) return std::nullopt;
    const char* close = std::strrchr(text, ')');
    if (close == nullptr || close[1] != ' ' || close[2] == '\0') return std::nullopt;
    ThreadActivity activity;
    activity.on_cpu = std::chrono::nanoseconds(static_cast<std::chrono::nanoseconds::rep>(on_cpu));
    activity.ready = close[2] == 'R';
    return activity;
}

}  // namespace isapi::platform
