#include "flush_timer.hpp"

#include "session.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <utility>
#include <vector>

namespace isapi::ecb::detail {
namespace {

struct TimerState {
    std::mutex mutex;
    std::condition_variable wake;
    HoldLink* first = nullptr;  // the requests holding bytes
    bool idle = false;          // the thread waits for a first hold
};

// Ticks the thread goes on with after the list empties, before it waits to
// be woken: under load a request holds bytes every few microseconds, and
// waking the thread for each (a futex call and a context switch, about 0.3
// per request and 2,400 wakes a second at 40k req/s, measured) cost more
// than a tick that finds nothing (about 1 µs, 1,000 a second at most).
constexpr int kIdleTicksBeforeSleep = 100;

// Never destroyed, and its thread never joined: a request may still hold
// bytes while the process exits.
TimerState& state() {
    alignas(TimerState) static unsigned char storage[sizeof(TimerState)];
    static TimerState* const s = ::new (storage) TimerState;
    return *s;
}

void run(TimerState& s) {
    std::vector<std::shared_ptr<Session>> expired;
    int empty_ticks = 0;
    for (;;) {
        {
            // idle is set again before every wait: a hold that started (and
            // cleared idle to wake this thread) may have ended before the
            // thread looked, and a wait with idle still cleared would miss
            // the next hold_started for good, so held bytes waited for the
            // request's end.
            std::unique_lock lock(s.mutex);
            empty_ticks = s.first == nullptr ? empty_ticks + 1 : 0;
            while (s.first == nullptr && empty_ticks > kIdleTicksBeforeSleep) {
                s.idle = true;
                s.wake.wait(lock);
                empty_ticks = 0;
            }
            s.idle = false;
        }
        std::this_thread::sleep_for(FlushTimer::kTick);
        {
            std::lock_guard lock(s.mutex);
            for (HoldLink* link = s.first; link; link = link->next) {
                if (!std::exchange(link->seen, true)) continue;
                // Empty while the request is being destroyed (it leaves the list then).
                if (auto session = link->session.weak_from_this().lock()) expired.push_back(std::move(session));
            }
        }
        for (auto& session : expired) session->hold_expired();
        expired.clear();  // a request may end here, outside the lock
    }
}

}  // namespace

void FlushTimer::start() {
    static const bool started = [] {
        TimerState& s = state();
        std::thread([&s] { run(s); }).detach();
        return true;
    }();
    (void)started;
}

void FlushTimer::hold_started(HoldLink& link) {
    TimerState& s = state();
    std::lock_guard lock(s.mutex);
    link.seen = false;
    link.previous = nullptr;
    link.next = s.first;
    if (s.first) s.first->previous = &link;
    s.first = &link;
    if (s.idle) {
        s.idle = false;
        s.wake.notify_one();
    }
}

void FlushTimer::hold_ended(HoldLink& link) {
    TimerState& s = state();
    std::lock_guard lock(s.mutex);
    if (link.previous) link.previous->next = link.next;
    else s.first = link.next;
    if (link.next) link.next->previous = link.previous;
    link.previous = link.next = nullptr;
}

}  // namespace isapi::ecb::detail
