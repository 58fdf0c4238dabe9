// ThreadActivityProbe against the real scheduler: a thread that computes is
// ready and gains CPU time; one blocked on a condition variable is not ready
// and gains none.
#include <isapi/platform/thread_activity.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

using isapi::platform::ThreadActivityProbe;
using namespace std::chrono_literals;

TEST_CASE("a probe made by no thread knows nothing", "[thread_activity]") {
    CHECK_FALSE(ThreadActivityProbe().read().has_value());
}

TEST_CASE("a computing thread is ready and gains CPU time; a blocked one is neither", "[thread_activity]") {
    std::mutex mutex;
    std::condition_variable changed;
    ThreadActivityProbe probe;
    bool made = false;
    std::atomic<bool> spin{true};
    bool release = false;
    std::thread thread([&] {
        {
            std::lock_guard lock(mutex);
            probe = ThreadActivityProbe::of_this_thread();
            made = true;
        }
        changed.notify_all();
        while (spin) {
        }
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return release; });
    });
    {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return made; });
    }

    const auto computing = probe.read();
    REQUIRE(computing.has_value());
    std::this_thread::sleep_for(30ms);
    const auto later = probe.read();
    REQUIRE(later.has_value());
    CHECK(computing->ready);
    CHECK(later->ready);
    // 30 ms of a thread that only spins: a good part of that on a CPU, even
    // when parallel tests keep both CPUs busy (a share of 1/15 is enough).
    CHECK(later->on_cpu - computing->on_cpu >= 2ms);

    spin = false;
    // Blocked in the condition variable's wait (give it time to get there).
    std::optional<isapi::platform::ThreadActivity> blocked;
    for (int i = 0; i < 200 && !(blocked && !blocked->ready); ++i) {
        std::this_thread::sleep_for(5ms);
        blocked = probe.read();
    }
    REQUIRE(blocked.has_value());
    CHECK_FALSE(blocked->ready);
    std::this_thread::sleep_for(20ms);
    const auto still = probe.read();
    REQUIRE(still.has_value());
    CHECK(still->on_cpu - blocked->on_cpu < 2ms);

    {
        std::lock_guard lock(mutex);
        release = true;
    }
    changed.notify_all();
    thread.join();
}
