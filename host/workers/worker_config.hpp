#pragma once
// What a worker process is told in its first frame: everything it needs to
// serve requests exactly as the in-process host would. The extension
// settings come from, and turn back into, ExtensionRuntimeOptions, so both
// isolation modes run extensions with the same settings.
#include "../detectors/hunt_options.hpp"
#include "../routing/router.hpp"
#include "../runtime/extension_runtime.hpp"
#include "../server/limits.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace isapi::host {

inline constexpr std::string_view kDefaultLogLevel = "info";

struct WorkerConfig {
    std::vector<Mapping> mappings;
    LoadMode default_mode = kDefaultLoadMode;
    std::string document_root{kDefaultDocumentRoot};
    std::size_t threads = kDefaultThreads;
    std::chrono::milliseconds shutdown_time_limit = kDefaultShutdownTimeLimit;
    bool identity_header = IdentityOptions{}.header;
    std::uint64_t generation = 1;  // the worker generation, 1 for the first worker
    bool preload = false;          // load every mapped module before reporting ready
    // A standby (--standby-worker): apply the config and answer standing_by,
    // then wait for activate before loading anything and reporting ready.
    bool standby = false;
    bool shadow_copy = false;      // load private copies, never the deployed files
    std::string log_level{kDefaultLogLevel};
    HuntOptions hunt;
    std::string crash_note;  // where the crash handler notes a fatal signal's finding ("": no handler)

    // --handoff: the front end passes accepted connections over, and this
    // worker serves their HTTP as the in-process host does, with the host's
    // limits, inline budget and queue limit (the front end applies none of
    // them to a connection it handed over).
    struct Handoff {
        ServerLimits limits;
        std::chrono::microseconds inline_budget{0};
        std::size_t io_threads = 1;  // --io-threads: above 1 the inline path is off, as in process
        std::size_t queue_limit = kDefaultQueueLimit;
        // The access log's fields ("" : the host keeps none), as
        // AccessFields::parse reads them: the worker makes the lines.
        std::string access_log_fields;
    };
    std::optional<Handoff> handoff;
};

std::string to_json(const WorkerConfig& config);
// Throws std::runtime_error on JSON that does not describe a WorkerConfig.
WorkerConfig worker_config_from_json(std::string_view json);

// The extension settings of `runtime` (its first block) for a worker; the
// rest of the WorkerConfig keeps its defaults.
WorkerConfig worker_config(const ExtensionRuntimeOptions& runtime);
// What a worker runs extensions with: the settings of `config`, its pid and
// generation in the identity, and no queue limit (the front end's pool
// enforces the host's). Loader and sinks are the caller's.
ExtensionRuntimeOptions runtime_options(const WorkerConfig& config);

}  // namespace isapi::host
