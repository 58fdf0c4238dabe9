#include "work_pool.hpp"

#include <isapi/platform/thread_inventory.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>

namespace isapi::host {

namespace {
// The pool whose thread this is (null elsewhere), for NetworkWait.
thread_local WorkPool* t_pool = nullptr;
}  // namespace

WorkPool::WorkPool(std::size_t threads, std::size_t queue_limit)
    : base_threads_(threads), max_threads_(threads * 4), queue_limit_(queue_limit) {
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

WorkPool::~WorkPool() { stop(); }

bool WorkPool::try_post(std::function<void()> task) { return enqueue(std::move(task), true); }

void WorkPool::post(std::function<void()> task) { enqueue(std::move(task), false); }

bool WorkPool::enqueue(std::function<void()> task, bool bounded) {
    {
        std::lock_guard lock(mutex_);
        if (bounded && (stopping_ || tasks_.size() >= queue_limit_)) return false;
        tasks_.push_back(std::move(task));
        ++pending_;
    }
    if (spinning_ == 0) ready_.notify_one();
    return true;
}

void WorkPool::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& thread : threads_) {
        if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) thread.join();
    }
    threads_.clear();
}

std::size_t WorkPool::waiting_for_network() const {
    std::lock_guard lock(mutex_);
    return waiting_for_network_;
}

std::size_t WorkPool::queued() const {
    std::lock_guard lock(mutex_);
    return tasks_.size();
}

bool WorkPool::pop(std::function<void()>& task) {
    // Caller holds mutex_.
    if (tasks_.empty()) return false;
    task = std::move(tasks_.front());
    tasks_.pop_front();
    --pending_;
    // Posters skip the wake-up while a thread spins, so a backlog must pass
    // the wake-up on: otherwise one thread would run it all in sequence.
    if (!tasks_.empty()) ready_.notify_one();
    return true;
}

void WorkPool::spin_for_work() {
    int expected = 0;
    if (!spinning_.compare_exchange_strong(expected, 1)) return;  // someone else spins
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(50);
    while (pending_ == 0 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    // A poster that saw us spinning skipped its wake-up; after this store,
    // either it sees 0 and wakes someone, or our re-check in run() sees its task.
    spinning_ = 0;
}

WorkPool::NetworkWait::NetworkWait() : pool_(t_pool) {
    if (!pool_) return;
    std::lock_guard lock(pool_->mutex_);
    ++pool_->waiting_for_network_;
    auto& threads = pool_->threads_;
    // stop() joins without the lock once stopping_ is set: no thread may be
    // added after that.
    if (!pool_->stopping_ && threads.size() - pool_->waiting_for_network_ < pool_->base_threads_ &&
        threads.size() < pool_->max_threads_) {
        const platform::HostThreadScope ours;  // called under an extension's call
        threads.emplace_back([pool = pool_] { pool->run(); });
    }
}

WorkPool::NetworkWait::~NetworkWait() {
    if (!pool_) return;
    std::lock_guard lock(pool_->mutex_);
    --pool_->waiting_for_network_;
}

void WorkPool::run() {
    t_pool = this;
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            if (!pop(task)) {
                lock.unlock();
                spin_for_work();
                lock.lock();
                ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
                if (!pop(task)) return;  // stopping and drained
            }
        }
        try {
            task();
        } catch (const std::exception& e) {
            spdlog::error("a pool task threw: {}", e.what());
        } catch (...) {
            spdlog::error("a pool task threw a non-standard exception");
        }
    }
}

}  // namespace isapi::host
