#pragma once
// Resident memory of a host and its worker processes, from /proc: an attack
// that makes the host buffer without bound shows here, wherever the bytes
// end up (front end or worker).
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>
#include <vector>

namespace isapi::itest::hostile {

// `root` and every live process descending from it (ppid links in /proc/*/stat).
std::vector<pid_t> process_tree(pid_t root);

// VmRSS of one process in KiB; 0 once it is gone.
std::size_t rss_kib(pid_t pid);

// Sum of VmRSS over process_tree(root), in KiB.
std::size_t tree_rss_kib(pid_t root);

// Samples tree_rss_kib(root) every few milliseconds on its own thread while
// it lives, so a peak during an attack is seen, not only what is left after.
class PeakRssSampler {
public:
    explicit PeakRssSampler(pid_t root, std::chrono::milliseconds period = std::chrono::milliseconds(5));
    ~PeakRssSampler();  // stop()
    PeakRssSampler(const PeakRssSampler&) = delete;
    PeakRssSampler& operator=(const PeakRssSampler&) = delete;

    void stop();
    std::size_t peak_kib() const { return peak_kib_.load(); }

private:
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> peak_kib_{0};
    std::thread thread_;
};

}  // namespace isapi::itest::hostile
