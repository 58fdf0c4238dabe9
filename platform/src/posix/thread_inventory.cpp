#include <isapi/platform/thread_inventory.hpp>

#include <isapi/platform/crash_handler.hpp>

#include "load_time_threads.hpp"

#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>
#include <pthread.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>
#include <utility>
#include <vector>

namespace isapi::platform {
namespace {

struct Watch {
    AddressRange range;
    std::uint64_t token = 0;
};

struct Recorded {
    std::uint64_t token = 0;  // 0: created during a load, not adopted yet
    RecordedThread thread;
    // Only while not adopted: where it was created from (the caller, then
    // the call stack) and which load it came from.
    std::vector<std::uintptr_t> load_frames;
    std::uint64_t load = 0;
};

// Guarded by `mutex`. Every thread creation in the process reads `watches`,
// so it stays a small vector (one entry per loaded extension module).
struct InventoryState {
    std::mutex mutex;
    std::vector<Watch> watches;
    std::map<std::uint64_t, Recorded> threads;  // by record id
    std::uint64_t next_token = 1;
    std::uint64_t next_record = 1;
    std::uint64_t next_load = 1;
};

// The load in progress on this thread (0: none). Trivially destructible, as
// a thread_local must be here.
thread_local std::uint64_t t_load = 0;
// The last load on this thread: its threads may still be adopted by the
// watch that follows it, and no later one.
thread_local std::uint64_t t_last_load = 0;

InventoryState& state() {
    static InventoryState s;
    return s;
}

using PthreadCreate = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);

PthreadCreate real_pthread_create() {
    // The next definition after the executable's own: libc's (or a
    // sanitizer runtime's interceptor, which then calls libc's).
    static const auto real = reinterpret_cast<PthreadCreate>(dlsym(RTLD_NEXT, "pthread_create"));
    return real;
}

struct Launch {
    void* (*start)(void*) = nullptr;
    void* arg = nullptr;
    std::uint64_t record = 0;
};

void finished(std::uint64_t record) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.threads.erase(record);
}

void* launch_recorded(void* raw) {
    const Launch launch = *std::unique_ptr<Launch>(static_cast<Launch*>(raw));
    // Also runs when the thread leaves through pthread_exit or cancellation
    // (glibc unwinds C++ frames then).
    struct Finished {
        std::uint64_t record;
        ~Finished() { finished(record); }
    } guard{launch.record};
    ensure_alternate_stack();  // extension threads crash too, into the crash handler
    return launch.start(launch.arg);
}

// The exported symbol at exactly `address` (or empty) and its file's name.
std::pair<std::string, std::string> describe(std::uintptr_t address) {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(address), &info) == 0) return {};
    std::string object = info.dli_fname ? info.dli_fname : "";
    if (const auto slash = object.rfind('/'); slash != std::string::npos) object.erase(0, slash + 1);
    const bool exact = info.dli_sname && reinterpret_cast<std::uintptr_t>(info.dli_saddr) == address;
    return {exact ? info.dli_sname : "", object};
}

// The watch that holds `from` or `routine`, else one that holds a frame of
// the creating call stack (the frame goes to `creator`).
std::optional<Watch> owner_of(std::uintptr_t from, std::uintptr_t routine, std::uintptr_t& creator) {
    auto& s = state();
    {
        std::lock_guard lock(s.mutex);
        if (s.watches.empty()) return std::nullopt;
        // Newest first: a range is watched again only after its unwatch, but
        // prefer the latest load should a caller get that order wrong.
        for (auto w = s.watches.rbegin(); w != s.watches.rend(); ++w)
            if (w->range.contains(from) || w->range.contains(routine)) return *w;
    }
    void* frames[32];
    const int depth = backtrace(frames, 32);
    std::lock_guard lock(s.mutex);
    for (int i = 0; i < depth; ++i) {
        const auto frame = reinterpret_cast<std::uintptr_t>(frames[i]);
        for (auto w = s.watches.rbegin(); w != s.watches.rend(); ++w) {
            if (!w->range.contains(frame)) continue;
            creator = frame;
            return *w;
        }
    }
    return std::nullopt;
}

// Fills in where the thread stands relative to the module that owns it.
void attribute(RecordedThread& thread, const AddressRange& range, std::uintptr_t creator) {
    thread.start_in_module = range.contains(thread.start_routine);
    if (thread.start_in_module) thread.start_offset = thread.start_routine - range.begin;
    if (range.contains(creator)) thread.creator_offset = creator - range.begin;
}

// The frame of a load-time thread's creation that lies in `range`, if any
// (its start routine counts as one).
std::optional<std::uintptr_t> creator_in(const Recorded& r, const AddressRange& range) {
    for (const auto frame : r.load_frames)
        if (range.contains(frame)) return frame;
    if (range.contains(r.thread.start_routine)) return r.thread.start_routine;
    return std::nullopt;
}

}  // namespace

namespace posix {

void begin_module_load() noexcept {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    // Threads of this thread's earlier load that no watch adopted are not
    // any module's: drop them, so a later module mapped at the same
    // addresses cannot inherit them.
    std::erase_if(s.threads, [](const auto& entry) { return entry.second.token == 0 && entry.second.load == t_last_load; });
    t_load = t_last_load = s.next_load++;
}

void end_module_load() noexcept { t_load = 0; }

}  // namespace posix

std::optional<AddressRange> module_range(const void* address) {
    struct Search {
        std::uintptr_t address;
        std::optional<AddressRange> found;
    } search{reinterpret_cast<std::uintptr_t>(address), std::nullopt};
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* data) {
            auto& s = *static_cast<Search*>(data);
            AddressRange range{UINTPTR_MAX, 0};
            for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
                const auto& ph = info->dlpi_phdr[i];
                if (ph.p_type != PT_LOAD) continue;
                range.begin = std::min<std::uintptr_t>(range.begin, info->dlpi_addr + ph.p_vaddr);
                range.end = std::max<std::uintptr_t>(range.end, info->dlpi_addr + ph.p_vaddr + ph.p_memsz);
            }
            if (!range.contains(s.address)) return 0;
            s.found = range;
            return 1;
        },
        &search);
    return search.found;
}

std::uint64_t ThreadInventory::watch(AddressRange range) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    const std::uint64_t token = s.next_token++;
    s.watches.push_back({range, token});
    for (auto& [id, recorded] : s.threads) {
        if (recorded.token != 0) continue;
        const auto creator = creator_in(recorded, range);
        if (!creator) continue;
        recorded.token = token;
        attribute(recorded.thread, range, *creator);
        recorded.load_frames.clear();
    }
    return token;
}

void ThreadInventory::unwatch(std::uint64_t token) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    std::erase_if(s.watches, [&](const Watch& w) { return w.token == token; });
}

std::vector<RecordedThread> ThreadInventory::running(std::uint64_t token) const {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    std::vector<RecordedThread> threads;
    for (const auto& [id, recorded] : s.threads)
        if (recorded.token == token) threads.push_back(recorded.thread);
    return threads;
}

ThreadInventory& thread_inventory() {
    static ThreadInventory inventory;
    return inventory;
}

int create_thread(void* thread, const void* attr, void* (*start)(void*), void* arg, const void* caller) noexcept {
    auto* const real = real_pthread_create();
    auto* const out = static_cast<pthread_t*>(thread);
    const auto* const attributes = static_cast<const pthread_attr_t*>(attr);
    const auto from = reinterpret_cast<std::uintptr_t>(caller);
    const auto routine = reinterpret_cast<std::uintptr_t>(start);
    if (detail::t_creating_host_thread) return real(out, attributes, start, arg);

    auto& s = state();
    std::uintptr_t creator = from;
    const std::optional<Watch> owner = owner_of(from, routine, creator);
    if (!owner && t_load == 0) return real(out, attributes, start, arg);

    try {
        Recorded recorded;
        recorded.thread.start_routine = routine;
        std::tie(recorded.thread.start_symbol, recorded.thread.start_object) = describe(routine);
        if (owner) {
            recorded.token = owner->token;
            attribute(recorded.thread, owner->range, creator);
        } else {
            // During a load, whose range is not known yet: keep the stack.
            void* frames[32];
            const int depth = backtrace(frames, 32);
            recorded.load_frames.push_back(from);
            for (int i = 0; i < depth; ++i) recorded.load_frames.push_back(reinterpret_cast<std::uintptr_t>(frames[i]));
            recorded.load = t_load;
        }
        auto launch = std::make_unique<Launch>(Launch{start, arg, 0});
        {
            std::lock_guard lock(s.mutex);
            launch->record = s.next_record++;
            s.threads[launch->record] = std::move(recorded);
        }
        const std::uint64_t record = launch->record;
        const int result = real(out, attributes, launch_recorded, launch.get());
        if (result != 0) {
            finished(record);
            return result;
        }
        launch.release();  // launch_recorded owns it now
        return 0;
    } catch (...) {
        // Out of memory while recording: start the thread unrecorded.
        return real(out, attributes, start, arg);
    }
}

}  // namespace isapi::platform
