#include <pool/work_pool.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

using isapi::host::WorkPool;

TEST_CASE("the work pool runs every posted task before stop returns", "[pool]") {
    std::atomic<int> ran{0};
    {
        WorkPool pool(3, 1000);
        for (int i = 0; i < 500; ++i) pool.post([&] { ++ran; });
        pool.stop();
    }
    CHECK(ran == 500);
}

TEST_CASE("the work pool refuses tasks beyond its queue limit", "[pool]") {
    WorkPool pool(1, 2);
    std::promise<void> release;
    auto gate = release.get_future().share();
    std::promise<void> started;
    REQUIRE(pool.try_post([&, gate] {
        started.set_value();
        gate.wait();
    }));
    started.get_future().wait();  // the only thread is now busy
    CHECK(pool.try_post([] {}));
    CHECK(pool.try_post([] {}));
    CHECK_FALSE(pool.try_post([] {}));  // two are queued: full
    release.set_value();
    pool.stop();
}

TEST_CASE("the work pool runs a burst of blocking tasks in parallel", "[pool]") {
    // A burst posted while one idle thread spins must still reach every
    // thread, not queue behind the spinner.
    WorkPool pool(4, 1000);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let the threads go idle
    std::atomic<int> running{0};
    std::atomic<int> peak{0};
    std::vector<std::promise<void>> done(4);
    for (int i = 0; i < 4; ++i) {
        pool.post([&, i] {
            const int now = ++running;
            int seen = peak;
            while (now > seen && !peak.compare_exchange_weak(seen, now)) {}
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            --running;
            done[i].set_value();
        });
    }
    for (auto& d : done) d.get_future().wait();
    CHECK(peak == 4);
}
