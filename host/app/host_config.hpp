#pragma once
// Everything isapi-host is told on its command line. The defaults are those
// of the layers that own each setting (docs/architecture.md, Configuration).
#include "../detectors/hunt_options.hpp"
#include "../modules/load_mode.hpp"
#include "../modules/module_manager.hpp"
#include "../pool/work_pool.hpp"
#include "../routing/router.hpp"
#include "../runtime/access_log.hpp"
#include "../runtime/extension_runtime.hpp"
#include "../server/io_runner.hpp"
#include "../server/limits.hpp"
#include "../server/tls_options.hpp"
#include "../workers/app_pool.hpp"
#include "../workers/worker_config.hpp"

#include <isapi/contract/host_contract.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace isapi::host {

enum class Isolation { process, inproc };

struct HostConfig {
    Isolation isolation = Isolation::process;
    std::string listen_address = "127.0.0.1";
    std::uint16_t listen_port = 8080;
    std::optional<TlsOptions> tls;  // --tls-cert: the client port speaks TLS
    std::vector<Mapping> mappings;
    LoadMode default_mode = kDefaultLoadMode;
    std::filesystem::path document_root{kDefaultDocumentRoot};
    std::size_t threads = 0;  // 0: default_thread_count(), from the core count
    std::size_t io_threads = IoRunner::Options{}.io_threads;
    // In process, extension code may run on the I/O thread for this long
    // before a standby thread takes the I/O over (0: always on the pool).
    std::chrono::microseconds inline_budget = IoRunner::Options{}.inline_budget;
    std::size_t queue_limit = kDefaultQueueLimit;
    ServerLimits limits;
    std::chrono::milliseconds shutdown_time_limit = kDefaultShutdownTimeLimit;
    std::string access_log;  // empty: none
    AccessFields access_log_fields = AccessFields::iis_default();
    std::string log_level{kDefaultLogLevel};
    bool identity_header = IdentityOptions{}.header;  // X-Isapi-Build on every extension response
    // Admin API (--admin); off while admin_address is empty.
    std::string admin_address;
    std::uint16_t admin_port = 0;
    std::optional<std::string> admin_token;  // then "Authorization: Bearer TOKEN" is required

    // Worker processes (--isolation process).
    bool preload = false;      // start the worker (and load cached modules) at startup and on recycle
    bool standby_worker = false;  // keep one more worker started and idle for the next recycle
    bool handoff = false;      // accepted connections go to the worker, which serves their HTTP itself (the
                               // default where it can work: --handoff / --no-handoff)
    bool shadow_copy = false;  // workers load private copies of the modules
    bool watch = false;        // recycle when a mapped module file is replaced by a complete one
    std::chrono::milliseconds watch_interval{100};
    std::uint64_t recycle_after_requests = kDefaultRecycleAfterRequests;  // 0: never
    std::chrono::milliseconds recycle_after_age = kDefaultRecycleAfterAge;  // 0: never
    std::size_t rapid_fail_crashes = kDefaultRapidFailCrashes;
    std::chrono::milliseconds rapid_fail_window = kDefaultRapidFailWindow;
    std::chrono::milliseconds ping_interval = kDefaultPingInterval;  // 0: no pings
    std::chrono::milliseconds ping_timeout = kDefaultPingTimeout;

    HuntOptions hunt;  // detectors' settings and --jitter
};

// The exit codes are part of the contract with whoever runs the host.
using contract::ExitCode;
using contract::exit_ok;
using contract::exit_runtime_error;
using contract::exit_usage;
using contract::exit_shutdown_time_limit;

}  // namespace isapi::host
