#pragma once
// One swap under load, end to end: start (or attach to) an isapi-host
// serving the live path, run the open-loop load, perform the swap at --at on
// the same clock, then read every request back and measure.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../client/request_template.hpp"
#include "../client/runner.hpp"
#include "../client/url.hpp"
#include "swap_report.hpp"
#include "swap_types.hpp"

namespace isapi::loadgen {

struct SwapConfig {
    Strategy strategy = Strategy::exchange;
    RecyclePolicy recycle = RecyclePolicy::overlapped;
    SwapMode mode = SwapMode::cached;
    std::string old_file;            // the build served first (self-hosted: copied to the live path)
    std::string new_file;            // the build to deploy
    std::uint64_t copy_rate = 0;     // bytes per second for the copies, 0: as fast as possible

    // Load: an open loop at `rate`, from each request's intended send time.
    double rate = 2000;
    std::int64_t duration_ns = 3'000'000'000;
    std::int64_t at_ns = 1'000'000'000;  // when the swap starts
    unsigned threads = 2;
    unsigned connections = 16;
    std::int64_t timeout_ns = 2'000'000'000;
    std::int64_t verify_timeout_ns = 3'000'000'000;  // how long to wait for the new build to load

    // Self-hosted (the default): the host executable and extra arguments.
    std::string host_exe;
    std::vector<std::string> host_args;
    // Attached: a running host (`--host`, `--admin`), serving `live_path`.
    std::optional<Url> attach_host;
    std::optional<Url> attach_admin;
    TlsOptions attach_tls;  // the load's TLS options when attach_host is https://
    std::string admin_token;
    std::string live_path;
    std::string url_path = "/app.dll";
    // What the load sends, in turn, each aimed at url_path (PATH_INFO and
    // query kept); empty: a GET of url_path.
    std::vector<RequestSpec> requests;
    std::string requests_from;  // what they are, for the report: "981 requests from u_ex.log"

    std::string log_path;  // keep the per-request log here (binary when .bin/.ilog)
    bool keep_files = false;
};

// Throws std::runtime_error for setup failures (no host, unreadable files).
// A failed or rolled-back swap is not an exception: it is in the report.
// `progress` gets the load's live progress (may be empty).
SwapReport run_swap(const SwapConfig& config, const ProgressFn& progress = {});

}  // namespace isapi::loadgen
