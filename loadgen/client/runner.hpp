#pragma once
// Runs a whole load test: resolves the target, starts one Worker per thread,
// prints the live progress line if asked, joins, and merges the results.
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "request_template.hpp"
#include "tls.hpp"
#include "url.hpp"
#include "../models/pacer.hpp"
#include "../models/rate_schedule.hpp"
#include "../stats/request_log.hpp"
#include "../stats/run_stats.hpp"

namespace isapi::loadgen {

struct RunPlan {
    Url target;
    TlsOptions tls;                           // for an https:// target
    std::vector<RequestTemplate> templates;   // at least one
    Model model = Model::closed;
    RateSchedule schedule = RateSchedule::constant(1, 1);  // open_rate
    std::vector<std::int64_t> offsets_ns;     // open_replay, one per template
    std::int64_t period_ns = 0;               // open_replay
    unsigned threads = 2;
    unsigned connections = 10;
    std::int64_t duration_ns = std::numeric_limits<std::int64_t>::max();
    std::uint64_t max_requests = std::numeric_limits<std::uint64_t>::max();
    std::int64_t timeout_ns = 10'000'000'000;
    std::vector<unsigned> expect_status;      // empty: 2xx/3xx are ok
    std::string log_path;                     // empty: no per-request log
    LogFormat log_format = LogFormat::csv;
    // Called once, at the instant the run's clock starts (time 0 of every
    // record), before the first request: lets a scenario (a swap) act on
    // the same clock.
    std::function<void(std::chrono::steady_clock::time_point)> on_start;
};

struct RunResult {
    RunStats stats;
    double elapsed_s = 0;       // from the start until the last request finished
    double load_window_s = 0;   // the time requests were being issued (for the achieved rate)
    double achieved_rate = 0;   // answered requests per second of the load window
    unsigned threads = 0;
    unsigned connections = 0;
    std::string log_error;      // non-empty when the per-request log is incomplete
    std::optional<TlsTally> tls;  // https:// targets: the run's handshakes
};

// Called about once per second from the runner's thread while the run lasts.
struct Progress {
    double elapsed_s;
    std::uint64_t sent;
    std::uint64_t answered;
    std::uint64_t errors;
    double rate;                // answered per second over the last interval
    std::uint64_t window_p99_us;
};
using ProgressFn = std::function<void(const Progress&)>;

// Throws std::runtime_error or std::invalid_argument on setup failures
// (unresolvable host, log file that cannot be created, bad plan, TLS
// options that do not fit the target, a --ca file that cannot be read).
RunResult run_load(const RunPlan& plan, const ProgressFn& progress = {});

}  // namespace isapi::loadgen
