#pragma once
// One load-generating thread: its own io_context, its share of the
// connections, its own Pacer, RunStats and log buffer. Nothing on the request
// path is shared with other threads; the runner reads the live counters (all
// relaxed atomics) for the progress line and merges the stats after join().
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "request_template.hpp"
#include "tls.hpp"
#include "url.hpp"
#include "../models/pacer.hpp"
#include "../stats/request_log.hpp"
#include "../stats/run_stats.hpp"

namespace isapi::loadgen {

// A numeric address to connect to, resolved once before the run.
struct Endpoint {
    std::string address;
    std::uint16_t port = 0;
};

// Resolves the URL's host; throws std::runtime_error naming it when it cannot.
Endpoint resolve_endpoint(const Url& url);

struct LiveCounters {
    std::atomic<std::uint64_t> sent{0};
    std::atomic<std::uint64_t> answered{0};
    std::atomic<std::uint64_t> errors{0};
    std::atomic<std::uint64_t> window_p99_us{0};  // p99 of the last second
};

struct WorkerConfig {
    Endpoint endpoint;
    unsigned connections = 1;
    std::int64_t timeout_ns = 10'000'000'000;
    PacerConfig pacer;
    const std::vector<RequestTemplate>* templates = nullptr;
    const std::vector<unsigned>* expect_status = nullptr;
    RequestLog* log = nullptr;                     // optional
    const std::atomic<bool>* stop = nullptr;       // optional: issue no more requests
    TlsContext* tls = nullptr;                     // https:// targets: shared by every thread (read-only)
    std::chrono::steady_clock::time_point start;   // time zero of the run, shared by all threads
    bool live_window = false;                      // keep window_p99_us up to date
};

class Worker {
public:
    explicit Worker(const WorkerConfig& config);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Runs until every request this thread issues has finished.
    void run();
    const RunStats& stats() const;
    const LiveCounters& live() const;
    // This thread's handshakes (all zero for http://); read after run().
    const TlsTally& tls() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace isapi::loadgen
