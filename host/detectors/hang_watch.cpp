#include "hang_watch.hpp"

#include <isapi/platform/thread_stacks.hpp>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <new>
#include <thread>

namespace isapi::host {
namespace {

// For gdb, which needs seconds to read a debug build's symbols on a busy
// machine; the whole process stands still meanwhile.
constexpr std::chrono::milliseconds kStackLimit{6'000};
constexpr std::size_t kMaxStackText = 32 * 1024;
// Several calls hanging at once (every request of a stuck extension) share
// one gdb run rather than stopping the worker for seconds each.
constexpr std::chrono::seconds kStackReuse{10};

struct Running {
    const char* entry_point;
    const std::string* module;
    std::uint64_t load_generation;
    std::uint64_t thread_id;
    std::chrono::steady_clock::time_point started;
    bool reported = false;
};

// The calls in progress, while a HangWatch runs. Lives for the process, so
// a call never outlives the table it is in.
struct WatchState {
    std::atomic<bool> active{false};
    std::mutex mutex;
    std::condition_variable stop_requested;
    bool stopping = false;
    std::chrono::milliseconds timeout{0};
    ecb::FindingSink findings;
    std::map<std::uint64_t, Running> calls;
    std::uint64_t next_id = 1;
    std::thread watchdog;
};

// Never destroyed: an extension may call exit() while the watchdog runs,
// and a static std::thread destroyed joinable would abort the process.
WatchState& state() {
    alignas(WatchState) static unsigned char storage[sizeof(WatchState)];
    static WatchState* const s = ::new (storage) WatchState;
    return *s;
}

// gdb's block for one thread ("Thread 3 (Thread 0x7f.. (LWP 1234) ...):" up
// to the blank line), or empty.
std::string stack_of(const std::string& stacks, std::uint64_t thread_id) {
    const auto at = stacks.find(fmt::format("(LWP {})", thread_id));
    if (at == std::string::npos) return {};
    const auto begin = stacks.rfind("\nThread ", at);
    const auto end = stacks.find("\n\n", at);
    return stacks.substr(begin == std::string::npos ? 0 : begin + 1,
                         end == std::string::npos ? std::string::npos : end - (begin + 1));
}

// gdb's stacks, taken again only when the last ones are older than kStackReuse.
class StackCache {
public:
    const std::string& stacks() {
        const auto now = std::chrono::steady_clock::now();
        if (text_.empty() || now - taken_ > kStackReuse) {
            text_ = platform::all_thread_stacks(kStackLimit);
            taken_ = now;
        }
        return text_;
    }

private:
    std::string text_;
    std::chrono::steady_clock::time_point taken_{};
};

std::string evidence_for(const Running& call, std::chrono::milliseconds timeout, const std::string& stacks) {
    std::string text = fmt::format("{} of {} (load {}) has not returned after {} ms (thread {})", call.entry_point,
                                   *call.module, call.load_generation, timeout.count(), call.thread_id);
    const std::string own = stack_of(stacks, call.thread_id);
    if (!own.empty()) text += "\nits stack:\n" + own;
    text += "\nall threads:\n" + stacks.substr(0, kMaxStackText);
    if (stacks.size() > kMaxStackText) text += "\n(cut at " + std::to_string(kMaxStackText) + " bytes)";
    return text;
}

void watchdog(WatchState& s) {
    const auto tick = std::clamp(s.timeout / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(250));
    StackCache cache;
    std::unique_lock lock(s.mutex);
    while (!s.stop_requested.wait_for(lock, tick, [&] { return s.stopping; })) {
        const auto now = std::chrono::steady_clock::now();
        for (auto& [id, call] : s.calls) {
            if (call.reported || now - call.started < s.timeout) continue;
            call.reported = true;
            // The call may end meanwhile; its module name lives while it
            // runs, so copy what the report needs first.
            Running copy = call;
            const std::string module = *call.module;
            copy.module = &module;
            lock.unlock();
            ecb::Finding finding{"hang", module, copy.load_generation, now, evidence_for(copy, s.timeout, cache.stacks())};
            if (s.findings) s.findings(finding);
            lock.lock();
            break;  // `calls` may have changed: scan again next tick
        }
    }
}

}  // namespace

EntryPointCall::EntryPointCall(const char* entry_point, const std::string& module, std::uint64_t load_generation)
    : scope_(entry_point, module.c_str(), load_generation) {
    WatchState& s = state();
    if (!s.active.load(std::memory_order_acquire)) return;
    std::lock_guard lock(s.mutex);
    watched_ = s.next_id++;
    s.calls.emplace(watched_, Running{entry_point, &module, load_generation, platform::current_thread_id(),
                                      std::chrono::steady_clock::now()});
}

EntryPointCall::~EntryPointCall() {
    if (!watched_) return;
    WatchState& s = state();
    std::lock_guard lock(s.mutex);
    s.calls.erase(watched_);
}

HangWatch::HangWatch(std::chrono::milliseconds timeout, ecb::FindingSink findings) {
    if (timeout.count() <= 0) return;
    WatchState& s = state();
    std::lock_guard lock(s.mutex);
    if (s.active.load()) {
        spdlog::warn("a hang watch is already running; a second one watches nothing");
        return;
    }
    s.timeout = timeout;
    s.findings = std::move(findings);
    s.stopping = false;
    s.watchdog = std::thread([&s] { watchdog(s); });
    s.active.store(true, std::memory_order_release);
    owner_ = true;
}

HangWatch::~HangWatch() {
    if (!owner_) return;
    WatchState& s = state();
    {
        std::lock_guard lock(s.mutex);
        s.active.store(false, std::memory_order_release);
        s.stopping = true;
    }
    s.stop_requested.notify_all();
    s.watchdog.join();
    std::lock_guard lock(s.mutex);
    s.findings = nullptr;
}

}  // namespace isapi::host
