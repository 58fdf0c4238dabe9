#pragma once
// The threads of a worker process: the thread that reads a request from the
// channel runs it itself; a monitor adds a spare thread to the io_context
// (`spares` wait from the start; more are made when needed) while every
// runner is stuck in a request, and a runner whose request waits for its
// client parks so another takes the channel over. The rules, their timings
// and the measurement behind them: docs/architecture.md, "Threading model".
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace isapi::host {

class RunnerPool {
public:
    // The calling thread is already running (or about to run) `io`: it is
    // the first runner.
    RunnerPool(boost::asio::io_context& io, std::size_t spares);
    ~RunnerPool();  // stop()
    RunnerPool(const RunnerPool&) = delete;
    RunnerPool& operator=(const RunnerPool&) = delete;

    // Brackets a request on a runner thread.
    void enter_request() noexcept { busy_.fetch_add(1, std::memory_order_relaxed); }
    void leave_request() noexcept {
        busy_.fetch_sub(1, std::memory_order_relaxed);
        finished_.fetch_add(1, std::memory_order_relaxed);
    }

    // Around a wait for the client, on a runner inside a request: the thread
    // stops counting as a runner (a spare reads the channel meanwhile), and
    // comes back as a busy one.
    void park();
    void unpark() noexcept {
        runners_.fetch_add(1, std::memory_order_relaxed);
        busy_.fetch_add(1, std::memory_order_relaxed);
    }

    // Requests that have left a runner so far.
    std::uint64_t finished() const noexcept { return finished_.load(std::memory_order_relaxed); }

    // Spares started so far because every runner was busy (for tests and logs).
    std::uint64_t takeovers() const { return takeovers_.load(); }

    void stop();

private:
    void monitor();
    void spare();
    bool all_busy() const;
    // Asks one more spare to join (mutex_ held); makes a thread if none waits.
    void want_spare();

    boost::asio::io_context& io_;
    std::atomic<int> runners_{1};  // threads inside the io_context
    std::atomic<int> busy_{0};     // of those, inside a request
    std::atomic<std::uint64_t> finished_{0};  // requests that left a runner
    std::atomic<std::uint64_t> takeovers_{0};
    std::mutex mutex_;
    std::condition_variable wake_;
    int wanted_ = 0;  // spares asked to join
    int idle_ = 0;    // spare threads waiting to be asked
    bool stopping_ = false;
    std::vector<std::thread> spares_;
    std::thread monitor_;
};

}  // namespace isapi::host
