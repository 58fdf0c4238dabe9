#include "module_manager.hpp"

#include "../detectors/leak_trend.hpp"
#include "../detectors/lifecycle_jitter.hpp"
#include "module_loading.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>
#include <utility>

namespace isapi::host {
namespace {

// The seam's encoding on every OS: native() is UTF-16 on Windows, and
// string() there converts to the ANSI code page, which loses characters.
// On POSIX native() is the path's bytes, which u8string() returns unchanged:
// a reference to them spares every request two allocations.
#ifdef _WIN32
std::string utf8(const std::filesystem::path& path) {
    const std::u8string text = path.u8string();
    return {text.begin(), text.end()};
}
#else
const std::string& utf8(const std::filesystem::path& path) { return path.native(); }
#endif

}  // namespace

// One load of one module file. `leases` and the manager's Entry are guarded
// by State::mutex; the rest is immutable once the load has succeeded.
struct ModuleLease::Slot {
    LoadedModule module;
    LoadMode mode = LoadMode::cached;
    std::size_t leases = 0;
    std::string identity;                        // empty when identity is off
    std::vector<ecb::Header> identity_headers;   // what every response carries
};

struct ModuleManager::State {
    enum class Phase { idle, loading, ready, unloading };
    struct Entry {
        Phase phase = Phase::idle;
        std::shared_ptr<ModuleLease::Slot> slot;
    };

    State(platform::ModuleLoader& l, ecb::Executor e, ecb::FindingSink f, ModuleManagerOptions o)
        : loader(l), executor(std::move(e)), findings(std::move(f)), options(o), jitter(o.jitter) {}

    platform::ModuleLoader& loader;
    ecb::Executor executor;
    ecb::FindingSink findings;
    ModuleManagerOptions options;
    LifecycleJitter jitter;

    mutable std::mutex mutex;
    std::condition_variable changed;  // any phase change or lease release
    std::map<std::string, Entry> entries;
    std::uint64_t next_generation = 1;
    std::size_t outstanding = 0;  // leases over all modules
    std::size_t transitions = 0;  // loads or unloads in progress
    bool stopping = false;
    bool stopped = false;
    ModuleStats stats;
    ModuleHasher hasher;
    std::mutex leak_mutex;  // unloads run on the unload thread, and at shutdown on the caller's
    struct LeakWatch {
        LeakTrend trend;
        std::uint64_t cycles = 0;
        std::chrono::steady_clock::time_point last_sample{};
    };
    std::map<std::string, LeakWatch> leak_watches;  // by path, guarded by leak_mutex

    // Callers check options.events first, so an unobserved manager (the
    // uncached-cycle benchmark) builds no event strings.
    void emit(const ModuleEvent& event) const { options.events(event); }

    void report(ecb::Finding finding) {
        if (findings) return findings(finding);
        spdlog::warn("finding {}: {} (module {}, load {})", finding.kind, finding.evidence, finding.module,
                     finding.load_generation);
    }

    // Runs TerminateExtension and closes the module, outside the lock.
    void unload(LoadedModule& module) {
        jitter.pause(JitterPoint::before_terminate_extension);
        UnloadReport outcome = unload_module(loader, module);
        for (auto& finding : outcome.findings) report(std::move(finding));
        if (outcome.terminated && options.events)
            emit({ModuleEvent::Kind::terminated, module.path, module.name, module.load_generation, {}, {},
                  "TerminateExtension(HSE_TERM_MUST_UNLOAD)"});
        if (outcome.closed && options.events)
            emit({ModuleEvent::Kind::unloaded, module.path, module.name, module.load_generation, {}, {},
                  outcome.still_mapped ? "still mapped after unload" : "left the process"});
        if (outcome.closed && options.leak_cycles > 0) sample_usage(module);
        std::lock_guard lock(mutex);
        if (outcome.terminated) ++stats.terminates;
        if (outcome.closed) ++stats.unloads;
    }

    // leak_per_cycle: the process's usage after this module's unload. A
    // sample reads /proc (about 30 us, a fifth of an uncached cycle), so fast
    // cycles are sampled at most every kLeakSampleEvery; the trend is per
    // cycle all the same, and slow churn is still sampled after every cycle.
    static constexpr std::chrono::milliseconds kLeakSampleEvery{2};
    void sample_usage(const LoadedModule& module) {
        std::unique_lock lock(leak_mutex);
        auto [watch, added] =
            leak_watches.try_emplace(module.path, LeakWatch{LeakTrend(LeakTrendOptions{options.leak_cycles})});
        const std::uint64_t cycle = ++watch->second.cycles;
        const auto now = std::chrono::steady_clock::now();
        if (now - watch->second.last_sample < kLeakSampleEvery) return;
        watch->second.last_sample = now;
        auto evidence = watch->second.trend.add(cycle, platform::resource_usage());
        lock.unlock();
        if (evidence)
            report({"leak_per_cycle", module.name, module.load_generation, std::chrono::steady_clock::now(),
                    std::move(*evidence)});
    }
};

// ---- ModuleLease -------------------------------------------------------------

ModuleLease::ModuleLease(ModuleManager* manager, std::shared_ptr<Slot> slot)
    : manager_(manager), slot_(std::move(slot)) {}

ModuleLease::ModuleLease(ModuleLease&& other) noexcept
    : manager_(std::exchange(other.manager_, nullptr)), slot_(std::move(other.slot_)) {}

ModuleLease& ModuleLease::operator=(ModuleLease&& other) noexcept {
    if (this != &other) {
        release();
        manager_ = std::exchange(other.manager_, nullptr);
        slot_ = std::move(other.slot_);
    }
    return *this;
}

ModuleLease::~ModuleLease() { release(); }

void ModuleLease::release() {
    if (manager_ && slot_) manager_->release(slot_);
    manager_ = nullptr;
    slot_.reset();
}

PFN_HTTPEXTENSIONPROC ModuleLease::proc() const { return slot_->module.proc; }
const std::string& ModuleLease::module_name() const { return slot_->module.name; }
const std::vector<ecb::Header>& ModuleLease::identity_headers() const { return slot_->identity_headers; }
std::uint64_t ModuleLease::load_generation() const { return slot_->module.load_generation; }
const std::string& ModuleLease::sha256() const { return slot_->module.sha256; }

// ---- ModuleManager -----------------------------------------------------------

ModuleManager::ModuleManager(platform::ModuleLoader& loader, ecb::Executor unload_executor,
                             ecb::FindingSink findings, ModuleManagerOptions options)
    : state_(std::make_unique<State>(loader, std::move(unload_executor), std::move(findings), options)) {}

ModuleManager::~ModuleManager() { shutdown(); }

AcquireResult ModuleManager::acquire(const std::filesystem::path& path, LoadMode mode) {
    const std::string& key = utf8(path);  // a temporary on Windows, kept alive by the reference
    State& s = *state_;
    std::unique_lock lock(s.mutex);
    for (;;) {
        if (s.stopping) return {{}, AcquireFailure::shutting_down, "the host is shutting down"};
        auto& entry = s.entries[key];
        if (entry.phase == State::Phase::ready) {
            ++entry.slot->leases;
            ++s.outstanding;
            return {ModuleLease(this, entry.slot), AcquireFailure::none, {}};
        }
        if (entry.phase == State::Phase::idle) break;
        // Another request is loading it (wait for GetExtensionVersion) or an
        // uncached unload is still running (a new load must follow it).
        s.changed.wait(lock);
    }
    s.entries[key].phase = State::Phase::loading;
    ++s.transitions;
    const std::uint64_t generation = s.next_generation++;
    lock.unlock();

    s.jitter.pause(JitterPoint::before_get_extension_version);
    LoadAttempt attempt = load_module(s.loader, key, generation, s.options.identity ? &s.hasher : nullptr);
    for (auto& finding : attempt.findings) s.report(std::move(finding));
    auto slot = std::make_shared<ModuleLease::Slot>();
    if (attempt.ok()) {
        if (const auto& id = s.options.identity) {
            slot->identity = format_build_identity(attempt.module.name, attempt.module.sha256, id->pid,
                                                   id->worker_generation, generation);
            if (id->header) slot->identity_headers.push_back({std::string(kBuildIdentityHeader), slot->identity});
        }
        if (s.options.events)
            s.emit({ModuleEvent::Kind::loaded, key, attempt.module.name, generation, slot->identity,
                    attempt.module.description, {}, attempt.module.sha256});
    } else if (s.options.events) {
        s.emit({ModuleEvent::Kind::load_failed, key, utf8(path.filename()), generation, {},
                {}, attempt.reason});
    }

    lock.lock();
    --s.transitions;
    auto& entry = s.entries[key];
    if (!attempt.ok()) {
        entry.phase = State::Phase::idle;
        ++s.stats.load_failures;
        s.changed.notify_all();
        const auto failure =
            attempt.failure == LoadFailure::missing_file ? AcquireFailure::missing_file : AcquireFailure::cannot_load;
        spdlog::error("cannot serve {}: {}", key, attempt.reason);
        return {{}, failure, std::move(attempt.reason)};
    }
    slot->module = std::move(attempt.module);
    slot->mode = mode;
    slot->leases = 1;
    ++s.outstanding;
    ++s.stats.loads;
    entry.slot = slot;
    entry.phase = State::Phase::ready;
    s.changed.notify_all();
    return {ModuleLease(this, std::move(slot)), AcquireFailure::none, {}};
}

void ModuleManager::release(const std::shared_ptr<ModuleLease::Slot>& slot) {
    State& s = *state_;
    std::unique_lock lock(s.mutex);
    --slot->leases;
    --s.outstanding;
    auto it = s.entries.find(slot->module.path);
    const bool unload_now = slot->leases == 0 && slot->mode == LoadMode::uncached && !s.stopping &&
                            it != s.entries.end() && it->second.slot == slot;
    if (!unload_now) {
        s.changed.notify_all();
        return;
    }
    it->second.phase = State::Phase::unloading;
    it->second.slot.reset();
    ++s.transitions;
    lock.unlock();
    // Never unload on the releasing thread: it may be an extension thread
    // that is still executing inside the module (DONE_WITH_SESSION).
    s.executor([&s, slot, key = it->first] {
        s.jitter.pause(JitterPoint::after_completion);
        s.unload(slot->module);
        std::lock_guard guard(s.mutex);
        s.entries[key].phase = State::Phase::idle;
        --s.transitions;
        s.changed.notify_all();
    });
}

bool ModuleManager::shutdown() {
    State& s = *state_;
    std::unique_lock lock(s.mutex);
    if (s.stopped) return s.outstanding == 0;
    s.stopping = true;
    const auto deadline = std::chrono::steady_clock::now() + s.options.shutdown_time_limit;
    const bool drained = s.changed.wait_until(lock, deadline, [&] { return s.outstanding == 0 && s.transitions == 0; });
    s.stopped = true;
    std::vector<std::shared_ptr<ModuleLease::Slot>> to_unload;
    for (auto& [key, entry] : s.entries) {
        if (entry.phase != State::Phase::ready || !entry.slot) continue;
        if (entry.slot->leases > 0) {
            // Unloading under a running request would crash the host; the
            // module stays mapped and the process exits around it.
            s.report({"pending_at_unload", entry.slot->module.name, entry.slot->module.load_generation,
                      std::chrono::steady_clock::now(),
                      std::to_string(entry.slot->leases) + " request(s) still running after the shutdown time limit"});
            continue;
        }
        to_unload.push_back(entry.slot);
        entry.slot.reset();
        entry.phase = State::Phase::idle;
    }
    if (!drained) spdlog::warn("shutdown time limit reached with {} request(s) outstanding", s.outstanding);
    lock.unlock();
    for (auto& slot : to_unload) s.unload(slot->module);
    return drained;
}

ModuleStats ModuleManager::stats() const {
    std::lock_guard lock(state_->mutex);
    return state_->stats;
}

std::vector<ModuleInfo> ModuleManager::loaded_modules() const {
    std::lock_guard lock(state_->mutex);
    std::vector<ModuleInfo> modules;
    for (const auto& [key, entry] : state_->entries) {
        if (entry.phase != State::Phase::ready || !entry.slot) continue;
        const auto& slot = *entry.slot;
        modules.push_back({slot.module.path, slot.module.name, slot.module.load_generation, slot.mode,
                           slot.module.sha256, slot.identity, slot.module.description, slot.leases});
    }
    return modules;
}

}  // namespace isapi::host
