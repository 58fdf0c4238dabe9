#pragma once
// Which threads extension code started, and which of them are still running
// (the `threads_outlive_terminate` detector, docs/race-hunting.md).
//
// On POSIX the host executable interposes pthread_create (it links
// src/posix/thread_interpose.cpp, the isapi::thread_interpose target, and
// exports that one symbol): a thread is recorded when the code that created
// it, or its start routine, lies in a watched address range, and it stays
// recorded until its start routine returns (or it exits or is cancelled).
// When neither does (std::thread: libstdc++ calls pthread_create with its
// own start routine), the creating call stack decides: a thread started
// from a watched module's code, at any depth, is that module's.
// Threads of unwatched code (the host's own) are passed straight through.
// Not seen: threads created through C11 thrd_create, which glibc starts
// without going through the exported pthread_create.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace isapi::platform {

struct AddressRange {
    std::uintptr_t begin = 0;
    std::uintptr_t end = 0;  // one past the last byte
    bool contains(std::uintptr_t address) const { return address >= begin && address < end; }
};

// The extent (every loadable segment) of the mapped module that contains
// `address`; nullopt when no module does.
std::optional<AddressRange> module_range(const void* address);

struct RecordedThread {
    std::uintptr_t start_routine = 0;
    bool start_in_module = false;     // the start routine lies in the watched range
    std::uintptr_t start_offset = 0;  // ... and this far into it
    std::string start_symbol;         // the exported symbol at exactly that address, or empty
    std::string start_object;         // the file the start routine is in, when not the module
    std::uintptr_t creator_offset = 0;  // where in the module the creating call came from
};

class ThreadInventory {
public:
    // Attributes threads created from now on to `range`; returns a token
    // that names this watch (one per module load).
    std::uint64_t watch(AddressRange range);
    // No new threads are attributed to `token` (recorded ones stay recorded).
    // Call it before the module is closed: after, its range may hold another.
    void unwatch(std::uint64_t token);
    // The threads attributed to `token` whose start routine has not returned.
    std::vector<RecordedThread> running(std::uint64_t token) const;
};

ThreadInventory& thread_inventory();

namespace detail {
inline thread_local bool t_creating_host_thread = false;  // trivially destructible: safe under mingw's TLS
}

// Threads started while one is open are the host's own, whatever code is on
// the creating stack. The host starts threads from inside an extension's
// call (a spare runner while ReadClient waits for the body, a pool thread
// while a request waits for the network); the creating-stack rule would
// charge them to the extension.
class HostThreadScope {
public:
    HostThreadScope() noexcept : outer_(detail::t_creating_host_thread) { detail::t_creating_host_thread = true; }
    ~HostThreadScope() { detail::t_creating_host_thread = outer_; }
    HostThreadScope(const HostThreadScope&) = delete;
    HostThreadScope& operator=(const HostThreadScope&) = delete;

private:
    bool outer_;
};

// For the interposer only: starts a thread with the real pthread_create,
// recording it when `caller` or `start` lies in a watched range.
// (pthread_t and pthread_attr_t are passed as void* to keep <pthread.h>
// out of this header.)
int create_thread(void* thread, const void* attr, void* (*start)(void*), void* arg, const void* caller) noexcept;

}  // namespace isapi::platform
