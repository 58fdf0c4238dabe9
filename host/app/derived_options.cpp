#include "derived_options.hpp"

#include <algorithm>

#include <isapi/platform/process.hpp>

#include <cstdlib>
#include <filesystem>

namespace isapi::host {

std::size_t pool_threads(const HostConfig& config) {
    return config.threads != 0 ? config.threads : default_thread_count();
}

ExtensionRuntimeOptions runtime_options(const HostConfig& config) {
    ExtensionRuntimeOptions o;
    o.mappings = config.mappings;
    o.default_mode = config.default_mode;
    // Absolute here, as the dispatcher would make it, so a worker started in
    // another folder resolves it the same way.
    o.document_root = std::filesystem::absolute(config.document_root).lexically_normal();
    o.threads = pool_threads(config);
    o.queue_limit = config.queue_limit;
    o.shutdown_time_limit = config.shutdown_time_limit;
    o.hunt = config.hunt;
    o.identity = IdentityOptions{static_cast<std::uint32_t>(platform::current_process_id()), 1, config.identity_header};
    return o;
}

AppPoolOptions pool_options(const HostConfig& config) {
    AppPoolOptions o;
    o.worker = worker_config(runtime_options(config));
    o.worker.preload = config.preload;
    o.worker.shadow_copy = config.shadow_copy;
    o.worker.log_level = config.log_level;
    o.executable = platform::current_executable();
    o.queue_limit = config.queue_limit;
    o.rapid_fail_crashes = config.rapid_fail_crashes;
    o.rapid_fail_window = config.rapid_fail_window;
    o.recycle_after_requests = config.recycle_after_requests;
    o.recycle_after_age = config.recycle_after_age;
    o.ping_interval = config.ping_interval;
    o.ping_timeout = config.ping_timeout;
    o.standby_worker = config.standby_worker;
    if (config.handoff) {
        WorkerConfig::Handoff handoff;
        handoff.limits = config.limits;
        handoff.inline_budget = config.inline_budget;
        handoff.io_threads = config.io_threads;
        handoff.queue_limit = config.queue_limit;
        if (!config.access_log.empty()) {
            // AccessFields::parse reads the W3C names, comma-separated.
            std::string fields = config.access_log_fields.directive();
            std::replace(fields.begin(), fields.end(), ' ', ',');
            handoff.access_log_fields = fields;
        }
        o.worker.handoff = std::move(handoff);
    }
    // Test hook: failure injection per worker generation (see AppPoolOptions).
    if (const char* faults = std::getenv("ISAPI_WORKER_FAULTS")) o.worker_faults = faults;
    return o;
}

}  // namespace isapi::host
