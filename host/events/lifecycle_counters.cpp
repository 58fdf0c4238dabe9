#include "lifecycle_counters.hpp"

namespace isapi::host {

void LifecycleCounters::finding(const std::string& kind) {
    std::lock_guard lock(mutex_);
    ++findings_[kind];
}

LifecycleCounters::Snapshot LifecycleCounters::snapshot() const {
    Snapshot result;
    result.loads = loads_.load(std::memory_order_relaxed);
    result.unloads = unloads_.load(std::memory_order_relaxed);
    result.load_failures = load_failures_.load(std::memory_order_relaxed);
    result.terminates = terminates_.load(std::memory_order_relaxed);
    result.worker_starts = worker_starts_.load(std::memory_order_relaxed);
    result.worker_crashes = worker_crashes_.load(std::memory_order_relaxed);
    result.worker_kills = worker_kills_.load(std::memory_order_relaxed);
    result.recycles = recycles_.load(std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    result.findings = findings_;
    return result;
}

}  // namespace isapi::host
