#include <pool/work_pool.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <future>

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
