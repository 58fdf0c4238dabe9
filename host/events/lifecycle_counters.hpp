#pragma once
// Counters of module lifecycle steps and findings, for the metrics endpoint.
// These change at most once per load, so plain atomics and a mutex for the
// findings map cost nothing that matters.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace isapi::host {

class LifecycleCounters {
public:
    struct Snapshot {
        std::uint64_t loads = 0;
        std::uint64_t unloads = 0;
        std::uint64_t load_failures = 0;
        std::uint64_t terminates = 0;
        std::uint64_t worker_starts = 0;
        std::uint64_t worker_crashes = 0;
        std::uint64_t worker_kills = 0;
        std::uint64_t recycles = 0;
        std::map<std::string, std::uint64_t> findings;  // by kind
    };

    void loaded() noexcept { loads_.fetch_add(1, std::memory_order_relaxed); }
    void unloaded() noexcept { unloads_.fetch_add(1, std::memory_order_relaxed); }
    void load_failed() noexcept { load_failures_.fetch_add(1, std::memory_order_relaxed); }
    void terminated() noexcept { terminates_.fetch_add(1, std::memory_order_relaxed); }
    void worker_started() noexcept { worker_starts_.fetch_add(1, std::memory_order_relaxed); }
    void worker_crashed() noexcept { worker_crashes_.fetch_add(1, std::memory_order_relaxed); }
    void worker_killed() noexcept { worker_kills_.fetch_add(1, std::memory_order_relaxed); }
    void recycled() noexcept { recycles_.fetch_add(1, std::memory_order_relaxed); }
    void finding(const std::string& kind);

    Snapshot snapshot() const;

private:
    std::atomic<std::uint64_t> loads_{0}, unloads_{0}, load_failures_{0}, terminates_{0};
    std::atomic<std::uint64_t> worker_starts_{0}, worker_crashes_{0}, worker_kills_{0}, recycles_{0};
    mutable std::mutex mutex_;
    std::map<std::string, std::uint64_t> findings_;
};

}  // namespace isapi::host
