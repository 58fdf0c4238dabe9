// RunnerPool, the threads of a worker process, with handlers posted to an
// io_context standing in for requests read from the channel: a handler that
// parks stands in for a request waiting for its client, one that blocks
// without parking for an extension that runs long.
#include <workers/runner_pool.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace net = boost::asio;
using isapi::host::RunnerPool;
using namespace std::chrono_literals;

namespace {

// A count that threads raise and others wait on, with a deadline.
class Counter {
public:
    void add() {
        {
            std::lock_guard lock(mutex_);
            ++value_;
        }
        changed_.notify_all();
    }
    // False if the count has not reached `target` within a few seconds.
    bool reaches(int target) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 5s, [&] { return value_ >= target; });
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int value_ = 0;
};

// An io_context run by one thread (the first runner) and a RunnerPool with
// no spares made in advance: every spare is one made on demand.
struct Worker {
    net::io_context io;
    net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(io);
    RunnerPool pool{io, 0};
    std::thread first_runner{[this] { io.run(); }};
    Counter release;  // opened once by the test: parked or blocked handlers go on

    ~Worker() {
        release.add();
        io.stop();  // spares run until the io_context stops
        first_runner.join();
        pool.stop();
    }

    // A request that waits for its client until released, parked meanwhile.
    // Records the takeovers counted the moment park() returned.
    void post_parking_request(Counter& parked, std::uint64_t& takeovers_after_park, Counter& left) {
        net::post(io, [&] {
            pool.enter_request();
            pool.park();
            takeovers_after_park = pool.takeovers();
            parked.add();
            release.reaches(1);
            pool.unpark();
            pool.leave_request();
            left.add();
        });
    }
};

}  // namespace

TEST_CASE("RunnerPool: a runner that parks asks for a spare at once, which reads on while it waits", "[runner_pool]") {
    // Declared first: the parked request still uses them while `w` ends.
    Counter parked, left, second_ran;
    std::uint64_t takeovers_after_park = 0;
    Worker w;
    w.post_parking_request(parked, takeovers_after_park, left);
    REQUIRE(parked.reaches(1));
    // Not left to the monitor's next check: park() itself asked.
    CHECK(takeovers_after_park >= 1);

    std::thread::id second_thread;
    net::post(w.io, [&] {
        second_thread = std::this_thread::get_id();
        second_ran.add();
    });
    REQUIRE(second_ran.reaches(1));  // the first runner is still parked
    CHECK(second_thread != w.first_runner.get_id());
}

TEST_CASE("RunnerPool: with every thread parked, one more is made to read", "[runner_pool]") {
    Counter parked, left;
    std::vector<std::uint64_t> takeovers(3);
    Worker w;
    // Each parked request holds its thread, so each next one needs a new spare.
    for (auto& t : takeovers) w.post_parking_request(parked, t, left);
    REQUIRE(parked.reaches(3));
    CHECK(w.pool.takeovers() >= 3);

    // Unparked, they all finish.
    w.release.add();
    REQUIRE(left.reaches(3));
    CHECK(w.pool.finished() == 3);
}

TEST_CASE("RunnerPool: a runner stuck in a request without parking is rescued by the monitor", "[runner_pool]") {
    Worker w;
    Counter stuck, second_ran;
    net::post(w.io, [&] {
        w.pool.enter_request();
        stuck.add();
        w.release.reaches(1);  // an extension that blocks, without parking
        w.pool.leave_request();
    });
    REQUIRE(stuck.reaches(1));
    std::thread::id second_thread;
    net::post(w.io, [&] {
        second_thread = std::this_thread::get_id();
        second_ran.add();
    });
    // Only the monitor's check can rescue this one: it sees every runner busy.
    REQUIRE(second_ran.reaches(1));
    CHECK(second_thread != w.first_runner.get_id());
    CHECK(w.pool.takeovers() >= 1);
}

TEST_CASE("RunnerPool: finished() counts requests that left a runner", "[runner_pool]") {
    Worker w;
    CHECK(w.pool.finished() == 0);
    w.pool.enter_request();
    w.pool.leave_request();
    w.pool.enter_request();
    w.pool.leave_request();
    CHECK(w.pool.finished() == 2);
}
