#pragma once
// What a thread is doing, as the scheduler sees it: how much CPU time it has
// had, and whether it is ready to run (on a CPU, or waiting for one) or
// blocked. The I/O watchdog reads it to tell extension code that holds the
// I/O thread (it blocks, or computes) from code that was only preempted on
// a busy machine (docs/architecture.md, "Threading model").
//
// Linux: /proc/thread-self/schedstat (CPU time in ns, the running slice
// included) and the state letter of /proc/thread-self/stat, both kept open.
// Windows keeps no state that a process can read cheaply, so there the
// activity is unknown and the watchdog counts wall time.
#include <chrono>
#include <optional>

namespace isapi::platform {

struct ThreadActivity {
    std::chrono::nanoseconds on_cpu{0};  // CPU time since the thread started
    bool ready = false;                  // running or waiting for a CPU; false while blocked
};

class ThreadActivityProbe {
public:
    // Unknown: read() is always nullopt.
    ThreadActivityProbe() = default;
    // The calling thread's probe, readable from any thread afterwards.
    static ThreadActivityProbe of_this_thread();

    ThreadActivityProbe(ThreadActivityProbe&& other) noexcept;
    ThreadActivityProbe& operator=(ThreadActivityProbe&& other) noexcept;
    ThreadActivityProbe(const ThreadActivityProbe&) = delete;
    ThreadActivityProbe& operator=(const ThreadActivityProbe&) = delete;
    ~ThreadActivityProbe();

    // Now; nullopt when the OS does not say (or the thread has ended). Two
    // reads of small kernel-made records, a few microseconds.
    std::optional<ThreadActivity> read() const;

private:
    int schedstat_fd_ = -1;  // POSIX
    int stat_fd_ = -1;
};

}  // namespace isapi::platform
