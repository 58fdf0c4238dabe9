// IoRunner without sockets: handlers posted to the io_context stand in for
// requests, and a handler that blocks inside an InlineCall stands in for
// extension code that runs long.
#include <server/io_runner.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#if defined(__linux__)
#include <sched.h>
#include <time.h>
#endif

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <thread>

namespace net = boost::asio;
using isapi::host::IoRunner;
using namespace std::chrono_literals;

namespace {

// An io_context served by an IoRunner on a thread of its own.
class RunningIo {
public:
    explicit RunningIo(IoRunner::Options options) : runner_(io_, options), thread_([this] { runner_.run(); }) {}
    ~RunningIo() {
        io_.stop();
        thread_.join();
        runner_.join(true);
    }

    // Runs `f` as a handler and returns what it returns (nullopt if no
    // thread ran it within `limit`).
    template <typename F>
    auto on_io(F f, std::chrono::milliseconds limit = 5000ms) -> std::optional<decltype(f())> {
        auto task = std::make_shared<std::packaged_task<decltype(f())()>>(std::move(f));
        auto result = task->get_future();
        net::post(io_, [task] { (*task)(); });
        if (result.wait_for(limit) != std::future_status::ready) return std::nullopt;
        return result.get();
    }

    // The standby thread parks some time after start: asks until a
    // handler may run inline, for at most two seconds.
    bool wait_until_inline_allowed() {
        const auto until = std::chrono::steady_clock::now() + 2s;
        while (std::chrono::steady_clock::now() < until) {
            if (on_io([] { return IoRunner::may_run_inline(); }).value_or(false)) return true;
            std::this_thread::sleep_for(1ms);
        }
        return false;
    }

    IoRunner& runner() { return runner_; }
    net::io_context& io() { return io_; }

private:
    net::io_context io_{2};
    net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
    IoRunner runner_;
    std::thread thread_;
};

IoRunner::Options with_budget(std::chrono::microseconds budget) {
    IoRunner::Options options;
    options.inline_budget = budget;
    options.pause_after_rescue = 50ms;
    return options;
}

// Posts a handler that runs inline and holds its thread until released.
struct HeldInlineCall {
    std::promise<std::thread::id> started;
    std::promise<void> release;

    void post(net::io_context& io) {
        net::post(io, [this, gate = release.get_future()]() mutable {
            const IoRunner::InlineCall call;
            started.set_value(std::this_thread::get_id());
            gate.wait_for(10s);
        });
    }
};

}  // namespace

TEST_CASE("only a handler on the thread leading the I/O may run extension code inline", "[io_runner]") {
    CHECK_FALSE(IoRunner::may_run_inline());  // not an I/O thread at all
    {
        RunningIo io(with_budget(1000us));
        CHECK(io.runner().inline_enabled());
        CHECK(io.wait_until_inline_allowed());
        // Not while an inline call already runs on it.
        CHECK(io.on_io([] {
                  const IoRunner::InlineCall call;
                  return IoRunner::may_run_inline();
              }) == std::optional<bool>(false));
    }
    for (auto options : {with_budget(0us), [] {
             auto o = with_budget(1000us);
             o.io_threads = 2;  // several I/O threads: the classic model
             return o;
         }()}) {
        RunningIo io(options);
        CHECK_FALSE(io.runner().inline_enabled());
        for (int i = 0; i < 20; ++i) CHECK(io.on_io([] { return IoRunner::may_run_inline(); }) == std::optional<bool>(false));
    }
}

TEST_CASE("the standby thread takes the I/O over from an inline call that runs past its budget", "[io_runner]") {
    RunningIo io(with_budget(2000us));
    REQUIRE(io.wait_until_inline_allowed());
    HeldInlineCall held;
    held.post(io.io());
    const auto held_thread = held.started.get_future().get();

    // With the leader held, only a rescue lets this handler run.
    const auto other = io.on_io([] { return std::this_thread::get_id(); }, 3000ms);
    REQUIRE(other.has_value());
    CHECK(*other != held_thread);
    CHECK(io.runner().stats().rescues == 1);
    // The new leader has no standby while the old one is held, and requests
    // go to the pool for the pause anyway.
    CHECK(io.on_io([] { return IoRunner::may_run_inline(); }) == std::optional<bool>(false));

    held.release.set_value();
    // The old leader parks as the standby; after the pause, inline again.
    CHECK(io.wait_until_inline_allowed());
    CHECK(io.runner().stats().inline_calls >= 1);
}

TEST_CASE("an inline call about to wait hands the I/O over at once, not at the budget", "[io_runner]") {
    RunningIo io(with_budget(std::chrono::seconds(30)));  // no rescue within this test
    REQUIRE(io.wait_until_inline_allowed());
    const auto waited = io.on_io([&io] {
        const IoRunner::InlineCall call;
        IoRunner::before_blocking();
        // What a sync ReadClient does: post to the I/O and wait for it.
        std::promise<void> done;
        net::post(io.io(), [&done] { done.set_value(); });
        return done.get_future().wait_for(3s) == std::future_status::ready;
    });
    CHECK(waited == std::optional<bool>(true));
    const auto stats = io.runner().stats();
    CHECK(stats.handoffs == 1);
    CHECK(stats.rescues == 0);
    // A hand-off is not a rescue: no pause, inline again as soon as the old
    // leader has parked.
    CHECK(io.wait_until_inline_allowed());
}

TEST_CASE("before_blocking does nothing outside an inline call", "[io_runner]") {
    RunningIo io(with_budget(1000us));
    REQUIRE(io.wait_until_inline_allowed());
    IoRunner::before_blocking();  // not an I/O thread
    CHECK(io.on_io([] {
              IoRunner::before_blocking();  // the leader, but in no inline call
              return IoRunner::may_run_inline();
          }) == std::optional<bool>(true));
    CHECK(io.runner().stats().handoffs == 0);
}

TEST_CASE("after a rescue, inline calls wait for the pause to pass", "[io_runner]") {
    auto options = with_budget(1000us);
    options.pause_after_rescue = 300ms;
    RunningIo io(options);
    REQUIRE(io.wait_until_inline_allowed());
    HeldInlineCall held;
    // The rescue, and so the pause, can only start after this.
    const auto posted = std::chrono::steady_clock::now();
    held.post(io.io());
    held.started.get_future().wait();
    REQUIRE(io.on_io([] { return true; }, 3000ms).has_value());  // rescued
    held.release.set_value();
    REQUIRE(io.wait_until_inline_allowed());
    CHECK(std::chrono::steady_clock::now() - posted >= 300ms);
}

#if defined(__linux__)
namespace {
std::chrono::nanoseconds thread_cpu_time() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// Keeps a CPU busy at normal priority until stopped.
class Competitor {
public:
    explicit Competitor(cpu_set_t cpu)
        : thread_([this, cpu] {
              sched_setaffinity(0, sizeof cpu, &cpu);
              running_ = true;
              while (!stop_.load(std::memory_order_relaxed)) {
              }
          }) {
        while (!running_) std::this_thread::yield();
    }
    ~Competitor() {
        stop_ = true;
        thread_.join();
    }

private:
    std::atomic<bool> running_{false};  // on the CPU it was given
    std::atomic<bool> stop_{false};
    std::thread thread_;
};
}  // namespace

// The I/O thread is moved onto one CPU with a busy thread there, and runs
// 1 ms of CPU time inline, yielding that CPU every 0.1 ms as a preempted
// thread would lose it. That takes several budgets of wall time (12 to 16 ms
// for a 2 ms budget here), nearly all of it waiting for the CPU: no rescue,
// since nothing held the I/O that a standby on the same busy machine could
// have served sooner. Counted in wall time, as on a platform that keeps no
// such figure, it would be one.
TEST_CASE("an inline call that was only kept waiting for a CPU is not rescued, however long it took", "[io_runner]") {
    if (std::thread::hardware_concurrency() < 2) {
        WARN("one CPU: the watchdog would share it with the competitor; nothing to test");
        return;
    }
    RunningIo io(with_budget(2000us));
    REQUIRE(io.wait_until_inline_allowed());
    std::optional<Competitor> competitor;
    const auto wall = io.on_io(
        [&] {
            cpu_set_t cpu;
            CPU_ZERO(&cpu);
            CPU_SET(sched_getcpu(), &cpu);
            sched_setaffinity(0, sizeof cpu, &cpu);  // this thread only
            competitor.emplace(cpu);
            const IoRunner::InlineCall call;
            const auto started = std::chrono::steady_clock::now();
            const auto cpu_started = thread_cpu_time();
            for (auto ran = 0us; ran < 1000us; ran += 100us) {
                while (thread_cpu_time() - cpu_started < ran + 100us) {
                }
                sched_yield();  // the competitor runs: this thread waits, ready, for the CPU
            }
            return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        },
        20s);
    competitor.reset();
    REQUIRE(wall.has_value());
    INFO("the inline call took " << wall->count() << " ms of wall time for 1 ms of CPU time");
    CHECK(*wall >= 4ms);  // two budgets: enough for a rescue by wall time
    CHECK(io.runner().stats().rescues == 0);
}
#endif
