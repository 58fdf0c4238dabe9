#pragma once
// Runs the front end's io_context. With an inline budget and one I/O
// thread, one thread at a time leads the I/O and may run a short request's
// extension code itself, with no hand-off to the pool; a standby thread takes
// the I/O over when that code is about to wait (before_blocking) or has run
// past the budget (the watchdog's rescue). Without a budget, or with several
// I/O threads, every thread runs the io_context and requests go to the pool.
// The rules, and the measurements that keep this design:
// docs/architecture.md, "Threading model".
#include <isapi/platform/thread_activity.hpp>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace isapi::host {

class IoRunner {
public:
    struct Options {
        std::size_t io_threads = 1;
        // 0: never run extension code on an I/O thread.
        std::chrono::microseconds inline_budget{1000};
        // After a rescue, requests go to the pool for this long: an extension
        // that blocked once will likely block again.
        std::chrono::milliseconds pause_after_rescue{100};
    };
    struct Stats {
        std::uint64_t inline_calls = 0;
        std::uint64_t rescues = 0;   // the watchdog moved the I/O off a call past its budget
        std::uint64_t handoffs = 0;  // an inline call handed the I/O over before waiting
    };

    IoRunner(boost::asio::io_context& io, Options options);
    // The io_context's concurrency hint for these options: rescues hand it
    // from thread to thread, so with the inline path it has more than one.
    static int concurrency_hint(const Options& options);
    ~IoRunner();  // join(true)
    IoRunner(const IoRunner&) = delete;
    IoRunner& operator=(const IoRunner&) = delete;

    // Runs the io_context on this runner's threads until it stops.
    void run();
    // After run(): joins the threads. With `wait_for_inline` false, a thread
    // still held in extension code is left running (the caller is about to
    // exit the process, as it does when the shutdown time limit passes).
    void join(bool wait_for_inline);

    bool inline_enabled() const { return inline_enabled_; }
    Stats stats() const;

    // True on the thread leading the I/O, inside a handler, when it may run
    // a request's extension code itself: a standby thread is ready to take
    // the I/O over, and no recent call had to be rescued.
    static bool may_run_inline();

    // True while the calling thread, leading the I/O, runs extension code
    // inline: no other thread runs I/O handlers meanwhile.
    static bool in_inline_call();

    // Brackets extension code run inline (only after may_run_inline()).
    class InlineCall {
    public:
        InlineCall();
        ~InlineCall();
        InlineCall(const InlineCall&) = delete;
        InlineCall& operator=(const InlineCall&) = delete;
    };

    // Inline extension code is about to wait (for the I/O, or anything else
    // that may take long): hand the I/O to the standby thread now, not at
    // the budget. Does nothing on any other thread.
    static void before_blocking();

private:
    struct Member {
        IoRunner* runner = nullptr;
        std::size_t slot = 0;
        // (number of inline calls << 1) | 1 while one runs. Written by the
        // member, read by the watchdog.
        std::atomic<std::uint64_t> call{0};
        std::atomic<bool> exited{false};
        std::thread thread;
        platform::ThreadActivityProbe activity;  // set by the member's thread, under mutex_
    };
    // What the watchdog saw at a tick: who led, which call ran, and when.
    struct Sighting {
        std::size_t leader = 0;
        std::uint64_t call = 0;
        std::chrono::steady_clock::time_point at{};
        std::optional<platform::ThreadActivity> activity;  // the leader's, while a call runs
    };

    void member_main(Member& me);
    void lead(Member& me);
    void watch();
    Sighting sight(std::chrono::steady_clock::time_point now) const;  // caller holds mutex_
    bool held_past_budget(const Sighting& since, std::chrono::steady_clock::time_point now) const;
    bool promote_locked();  // gives the lead to a parked member; caller holds mutex_
    void finish();
    void wake_watchdog();

    static thread_local Member* current_;

    boost::asio::io_context& io_;
    const Options options_;
    const bool inline_enabled_;

    std::vector<std::unique_ptr<Member>> members_;
    std::thread watchdog_;

    mutable std::mutex mutex_;
    std::condition_variable turn_;      // members wait for the lead
    std::condition_variable watch_;     // the watchdog's ticks and wake-ups
    std::condition_variable finished_cv_;
    bool finished_ = false;
    std::vector<std::size_t> parked_;  // slots waiting for the lead
    std::chrono::steady_clock::time_point pause_until_{};
    bool joined_ = false;

    std::atomic<std::size_t> leader_{0};
    std::atomic<std::size_t> parked_count_{0};
    std::atomic<bool> paused_{false};
    std::atomic<bool> watchdog_idle_{false};
    std::uint64_t rescues_ = 0, handoffs_ = 0;  // under mutex_
};

}  // namespace isapi::host
