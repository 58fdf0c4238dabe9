#include "runner_pool.hpp"

#include <isapi/platform/thread_inventory.hpp>

namespace isapi::host {

namespace {
constexpr auto kCheckPeriod = std::chrono::microseconds(500);
// With no request running, checks are rarer: an idle worker should not wake
// 2,000 times a second. A stall that starts then is seen within about 5 ms.
constexpr auto kIdleCheckPeriod = std::chrono::milliseconds(5);
constexpr auto kSpareSlice = std::chrono::milliseconds(2);
}  // namespace

RunnerPool::RunnerPool(boost::asio::io_context& io, std::size_t spares) : io_(io) {
    for (std::size_t i = 0; i < spares; ++i) spares_.emplace_back([this] { spare(); });
    monitor_ = std::thread([this] { monitor(); });
}

RunnerPool::~RunnerPool() { stop(); }

void RunnerPool::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (monitor_.joinable()) monitor_.join();
    for (auto& t : spares_) t.join();
}

bool RunnerPool::all_busy() const {
    // No runner at all (every one parked) counts as busy: nobody reads.
    return busy_.load(std::memory_order_relaxed) >= runners_.load(std::memory_order_relaxed);
}

void RunnerPool::want_spare() {
    ++wanted_;
    takeovers_.fetch_add(1, std::memory_order_relaxed);
    if (idle_ < wanted_) {
        const platform::HostThreadScope ours;  // called under an extension's ReadClient or WriteClient
        spares_.emplace_back([this] { spare(); });
    }
    wake_.notify_all();
}

void RunnerPool::park() {
    runners_.fetch_sub(1, std::memory_order_relaxed);
    busy_.fetch_sub(1, std::memory_order_relaxed);
    // Without a free runner the channel would go unread until the monitor's
    // next check, or for good if every thread is parked: ask for one now.
    if (runners_.load() - busy_.load() >= 1) return;
    std::lock_guard lock(mutex_);
    if (!stopping_ && wanted_ == 0) want_spare();
}

void RunnerPool::monitor() {
    std::uint64_t finished_before = finished_.load();
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, busy_.load(std::memory_order_relaxed) > 0 ? std::chrono::microseconds(kCheckPeriod)
                                                                         : std::chrono::microseconds(kIdleCheckPeriod));
        if (stopping_) break;
        // Stalled: every runner is in a request, and none finished one for a
        // whole period (a runner busy with a stream of short requests is not).
        const std::uint64_t finished_now = finished_.load();
        if (all_busy() && finished_now == finished_before && wanted_ == 0) want_spare();
        finished_before = finished_now;
    }
}

void RunnerPool::spare() {
    std::unique_lock lock(mutex_);
    for (;;) {
        ++idle_;
        wake_.wait(lock, [&] { return stopping_ || wanted_ > 0; });
        --idle_;
        if (stopping_) return;
        --wanted_;
        lock.unlock();
        runners_.fetch_add(1);
        // Read and run until at least one other runner is free again.
        while (!io_.stopped()) {
            io_.run_for(kSpareSlice);
            if (runners_.load() - busy_.load() >= 2) break;
        }
        runners_.fetch_sub(1);
        lock.lock();
    }
}

}  // namespace isapi::host
