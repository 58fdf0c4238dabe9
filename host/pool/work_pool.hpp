#pragma once
// The bounded pool that runs extension code (HttpExtensionProc, completions,
// unloads), as IIS does, so a blocking extension never starves network I/O.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace isapi::host {

// Tasks that may wait for a thread before new requests get 503.
inline constexpr std::size_t kDefaultQueueLimit = 1000;
// Request threads when none are asked for: kDefaultThreads, or
// kThreadsPerCore per core when that is more.
inline constexpr std::size_t kDefaultThreads = 8;
inline constexpr std::size_t kThreadsPerCore = 4;
inline std::size_t default_thread_count() {
    return std::max<std::size_t>(kDefaultThreads, kThreadsPerCore * std::thread::hardware_concurrency());
}

class WorkPool {
public:
    // `queue_limit` bounds the tasks waiting for a thread; try_post refuses
    // beyond it (the front end answers 503), post never refuses.
    WorkPool(std::size_t threads, std::size_t queue_limit);
    ~WorkPool();  // stop()
    WorkPool(const WorkPool&) = delete;
    WorkPool& operator=(const WorkPool&) = delete;

    bool try_post(std::function<void()> task);
    void post(std::function<void()> task);

    // Held by a pool thread while it waits for a client (a slow upload, a
    // client not reading): the pool starts a thread in its place, up to four
    // times its size, so that slow clients cost their own requests only and
    // never hold the others' threads hostage. On other threads it does nothing.
    class NetworkWait {
    public:
        NetworkWait();
        ~NetworkWait();
        NetworkWait(const NetworkWait&) = delete;
        NetworkWait& operator=(const NetworkWait&) = delete;

    private:
        WorkPool* pool_;
    };

    // Runs every queued task, then joins the threads. Idempotent.
    void stop();

    std::size_t queued() const;
    // Threads inside a NetworkWait now.
    std::size_t waiting_for_network() const;

private:
    void run();
    bool enqueue(std::function<void()> task, bool bounded);
    bool pop(std::function<void()>& task);
    void spin_for_work();

    const std::size_t base_threads_;
    const std::size_t max_threads_;
    const std::size_t queue_limit_;
    std::size_t waiting_for_network_ = 0;  // under mutex_
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> tasks_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
    // Hand-off cost: waking a sleeping thread is a futex call plus a context
    // switch per request. One idle thread at a time spins briefly instead, and
    // posters skip the wake-up while it does.
    std::atomic<std::size_t> pending_{0};
    std::atomic<int> spinning_{0};
};

}  // namespace isapi::host
