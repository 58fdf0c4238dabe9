#pragma once
// Loads extension modules and keeps them loaded (cached mode) or unloads each
// one as soon as its last request completes (uncached mode), as IIS does
// (docs/host.md). GetExtensionVersion runs once per load, serialised;
// concurrent first requests wait for it.
#include "../detectors/hunt_options.hpp"
#include "build_identity.hpp"
#include "load_mode.hpp"

#include <isapi/ecb/dispatch.hpp>
#include <isapi/platform/module_loader.hpp>

#include <httpext.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace isapi::host {

struct ModuleStats {
    std::uint64_t loads = 0;        // successful GetExtensionVersion calls
    std::uint64_t unloads = 0;      // modules closed after TerminateExtension
    std::uint64_t terminates = 0;   // TerminateExtension calls
    std::uint64_t load_failures = 0;
};

// One step in a module's life, as the manager reports it (to the event log
// in this process; a worker process forwards them to the front end).
struct ModuleEvent {
    enum class Kind { loaded, load_failed, terminated, unloaded };
    Kind kind = Kind::loaded;
    std::string path;
    std::string module;  // file name
    std::uint64_t load_generation = 0;
    std::string identity;     // loaded: the build identity
    std::string description;  // loaded: GetExtensionVersion's description
    std::string detail;       // load_failed: the reason; unloaded: whether it left the process
    std::string sha256{};     // loaded: of the file as loaded (empty when not hashed)
};

using ModuleEventSink = std::function<void(const ModuleEvent&)>;

// A loaded module as the admin API shows it.
struct ModuleInfo {
    std::string path;
    std::string module;
    std::uint64_t load_generation = 0;
    LoadMode mode = LoadMode::cached;
    std::string sha256;
    std::string identity;
    std::string description;
    std::size_t requests = 0;  // leases right now
};

class ModuleManager;

// Keeps one loaded module in use for one request. Releasing the last lease of
// an uncached module unloads it (on the manager's executor, never on the
// releasing thread, which may be an extension thread inside the module).
class ModuleLease {
public:
    ModuleLease() = default;
    ModuleLease(ModuleLease&& other) noexcept;
    ModuleLease& operator=(ModuleLease&& other) noexcept;
    ModuleLease(const ModuleLease&) = delete;
    ModuleLease& operator=(const ModuleLease&) = delete;
    ~ModuleLease();

    PFN_HTTPEXTENSIONPROC proc() const;
    const std::string& module_name() const;  // file name, e.g. "hello.so"
    std::uint64_t load_generation() const;
    const std::string& sha256() const;  // hex, empty when identity is off or the file could not be read
    // The X-Isapi-Build header for this load, or no header when identity is
    // off: precomputed at load time, so a request only copies it.
    const std::vector<ecb::Header>& identity_headers() const;
    void release();

private:
    friend class ModuleManager;
    struct Slot;
    ModuleLease(ModuleManager* manager, std::shared_ptr<Slot> slot);
    ModuleManager* manager_ = nullptr;
    std::shared_ptr<Slot> slot_;
};

// Why acquire() gave no lease. The caller answers the client; the HTTP
// status is its choice (the in-process dispatcher: 404 for a missing file
// the URL names, 500 for one it cannot load, 503 while shutting down).
enum class AcquireFailure {
    none,
    missing_file,   // no file at the path
    cannot_load,    // not a module, an export missing, GetExtensionVersion refused or threw
    shutting_down,  // the manager takes no new requests
};

struct AcquireResult {
    ModuleLease lease;  // valid when ok()
    AcquireFailure failure = AcquireFailure::none;
    std::string reason;  // why, for the log
    bool ok() const { return failure == AcquireFailure::none; }
};

// How long shutdown waits for running requests before it gives up on them
// (IIS's shutdownTimeLimit is 90 s too).
inline constexpr std::chrono::milliseconds kDefaultShutdownTimeLimit{90'000};

struct ModuleManagerOptions {
    std::chrono::milliseconds shutdown_time_limit = kDefaultShutdownTimeLimit;
    // Hash each module file at load and precompute its build identity.
    std::optional<IdentityOptions> identity{};
    ModuleEventSink events{};  // may be empty; called outside the manager's lock
    // leak_per_cycle: the load/unload cycles a module's growth is judged
    // over, after a few warm-up cycles (0: the detector is off).
    std::size_t leak_cycles = kDefaultLeakCycles;
    std::optional<JitterSpec> jitter{};  // seeded pauses at lifecycle points (--jitter)
};

class ModuleManager {
public:
    ModuleManager(platform::ModuleLoader& loader, ecb::Executor unload_executor, ecb::FindingSink findings,
                  ModuleManagerOptions options = {});
    ~ModuleManager();  // shutdown()

    // Returns a lease on the module at `path`, loading it first if needed.
    // `path` is the module's identity as spelled: pass it absolute and
    // lexically normal (Router's mappings are), so one file is one module.
    AcquireResult acquire(const std::filesystem::path& path, LoadMode mode);

    // Waits for outstanding requests (up to the shutdown time limit), then
    // calls TerminateExtension(HSE_TERM_MUST_UNLOAD) and unloads every module.
    // New acquires fail with 503 from the moment it is called. Returns false
    // when requests were still running at the time limit (their modules stay
    // loaded, since unloading under them would crash the process).
    bool shutdown();

    ModuleStats stats() const;
    std::vector<ModuleInfo> loaded_modules() const;

private:
    friend class ModuleLease;
    void release(const std::shared_ptr<ModuleLease::Slot>& slot);
    // Implementation details live in module_manager.cpp.
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace isapi::host
