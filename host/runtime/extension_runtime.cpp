#include "extension_runtime.hpp"

#include <isapi/platform/crash_handler.hpp>

#include <spdlog/spdlog.h>

#include <limits>

namespace isapi::host {
namespace {

ModuleManagerOptions module_options(const ExtensionRuntimeOptions& o) {
    ModuleManagerOptions options{o.shutdown_time_limit};
    options.identity = o.identity;
    options.events = o.module_events;
    options.leak_cycles = o.hunt.leak_cycles;
    options.jitter = o.hunt.jitter;
    return options;
}

}  // namespace

ExtensionRuntime::ExtensionRuntime(ExtensionRuntimeOptions options)
    : options_(std::move(options)),
      hang_watch_(options_.hunt.hang_timeout, options_.findings),
      pool_(options_.threads, options_.queue_limit),
      unloader_(1, std::numeric_limits<std::size_t>::max()),
      modules_(*options_.loader, [this](std::function<void()> task) { unloader_.post(std::move(task)); },
               options_.findings, module_options(options_)),
      router_(options_.mappings, options_.default_mode),
      dispatcher_(router_, modules_, pool_, options_.access_log, options_.findings, options_.document_root,
                  options_.counters, options_.on_outcome) {
    ecb::set_orphan_finding_sink(options_.findings);
    // A worker has installed its crash handler already (it writes a note for
    // the front end). In process nothing outlives a crash to read a note, so
    // the handler logs the finding itself, to stderr, before the process dies.
    if (std::string error; !platform::install_crash_handler("", error))
        spdlog::debug("crash findings are not logged in process: {}", error);
    if (const auto& jitter = options_.hunt.jitter)
        spdlog::info("lifecycle jitter: seed {}, pauses of 0..{} us before GetExtensionVersion, after a request's "
                     "completion and before TerminateExtension", jitter->seed, jitter->max.count());
}

ExtensionRuntime::~ExtensionRuntime() { ecb::set_orphan_finding_sink({}); }

bool ExtensionRuntime::shutdown() {
    const bool drained = modules_.shutdown();
    if (drained) {
        pool_.stop();
        unloader_.stop();
    }
    return drained;
}

}  // namespace isapi::host
