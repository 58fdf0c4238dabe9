#pragma once
// What runs extensions, in the host (--isolation inproc) or in a worker: the
// request pool, the unload thread, the module manager, the router and the
// in-process dispatcher, wired once, the same way for both.
#include "../detectors/hang_watch.hpp"
#include "../detectors/hunt_options.hpp"
#include "../modules/module_manager.hpp"
#include "../pool/work_pool.hpp"
#include "../routing/router.hpp"
#include "inproc_dispatcher.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string_view>
#include <vector>

namespace isapi::host {

inline constexpr LoadMode kDefaultLoadMode = LoadMode::cached;  // as IIS's "Cache ISAPI applications"
inline constexpr std::string_view kDefaultDocumentRoot = ".";

// The first block is what extensions run with (the same in both isolation
// modes); the rest is how this process reports and loads.
struct ExtensionRuntimeOptions {
    std::vector<Mapping> mappings;
    LoadMode default_mode = kDefaultLoadMode;
    std::filesystem::path document_root{kDefaultDocumentRoot};
    std::size_t threads = kDefaultThreads;
    std::size_t queue_limit = kDefaultQueueLimit;
    std::chrono::milliseconds shutdown_time_limit = kDefaultShutdownTimeLimit;
    HuntOptions hunt;
    IdentityOptions identity;

    platform::ModuleLoader* loader = nullptr;  // required
    ecb::FindingSink findings;                 // also the orphan-ConnID sink while the runtime lives
    ModuleEventSink module_events;
    AccessLog* access_log = nullptr;
    RequestCounters* counters = nullptr;
    InprocDispatcher::OutcomeHook on_outcome;
};

class ExtensionRuntime {
public:
    explicit ExtensionRuntime(ExtensionRuntimeOptions options);
    ~ExtensionRuntime();
    ExtensionRuntime(const ExtensionRuntime&) = delete;
    ExtensionRuntime& operator=(const ExtensionRuntime&) = delete;

    InprocDispatcher& dispatcher() { return dispatcher_; }
    ModuleManager& modules() { return modules_; }
    const Router& router() const { return router_; }
    const WorkPool& pool() const { return pool_; }

    // Waits for running requests (up to the shutdown time limit), calls
    // TerminateExtension and unloads; then stops the threads. False when
    // requests were still running at the limit (the threads are left).
    bool shutdown();

private:
    ExtensionRuntimeOptions options_;
    HangWatch hang_watch_;
    WorkPool pool_;
    // Unloads get a thread of their own: on the request pool they could wait
    // behind requests that are themselves waiting, in acquire(), for that
    // very unload to finish, and every pool thread would block for good.
    WorkPool unloader_;
    ModuleManager modules_;
    Router router_;
    InprocDispatcher dispatcher_;
};

}  // namespace isapi::host
