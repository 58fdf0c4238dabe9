#include "app_pool.hpp"

#include "../detectors/crash_note.hpp"
#include "../server/canned_response.hpp"

#include <isapi/platform/files.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

namespace isapi::host {

namespace net = boost::asio;
using std::chrono::duration_cast;
using std::chrono::milliseconds;


AppPool::AppPool(net::io_context& io, platform::ProcessControl& processes, AppPoolOptions options,
                 EventRecorder& recorder, RequestCounters& counters, AccessLog* access_log)
    : strand_(net::make_strand(io.get_executor())),
      processes_(processes),
      options_(std::move(options)),
      recorder_(recorder),
      counters_(counters),
      access_log_(access_log),
      standby_retry_(strand_),
      ping_timer_(strand_),
      router_(options_.worker.mappings, options_.worker.default_mode) {
    // UTF-8, as the module manager keys modules on every OS.
    for (const Mapping& m : router_.mappings()) {
        const std::u8string key = m.module.u8string();
        mapping_keys_.emplace_back(key.begin(), key.end());
    }
    std::string error;
    if (auto folder = platform::make_private_directory("isapi-crash-notes", error)) crash_notes_ = std::move(*folder);
    else spdlog::warn("worker crashes will not be classified (no crash notes folder): {}", error);
    net::post(strand_, [this] { schedule_ping(); });
}

AppPool::~AppPool() {
    if (!crash_notes_.empty()) platform::remove_tree(crash_notes_);
}

// ---- requests ----------------------------------------------------------------------

bool AppPool::submit(ecb::Request&& request, std::shared_ptr<ClientConnection> connection) {
    // The queue limit counts every request the pool holds, queued or running.
    if (outstanding_.fetch_add(1, std::memory_order_relaxed) >= options_.queue_limit) {
        outstanding_.fetch_sub(1, std::memory_order_relaxed);
        counters_.answered(503);
        return false;  // the front end answers 503
    }
    counters_.begin();
    net::dispatch(strand_, [this, request = std::move(request), connection = std::move(connection)]() mutable {
        route(std::move(request), std::move(connection));
    });
    return true;
}

void AppPool::route(ecb::Request request, std::shared_ptr<ClientConnection> connection) {
    if (shutting_down_) return answer(*connection, 503, "the host is shutting down");
    if (stopped_) return answer(*connection, 503, *stopped_);
    if (immediate_gap_)
        return answer(*connection, 503,
                      "the application pool is recycling (immediate mode): the old worker stops before a new one starts");
    if (!serving_) {
        std::string error;
        serving_ = next_worker(error);
        if (!serving_) return answer(*connection, 503, "cannot start a worker process: " + error);
    }
    std::optional<AccessRecord> access;
    if (access_log_) access = access_log_->record_for(request);
    serving_->submit(std::move(request), std::move(connection), std::move(access));
}

void AppPool::answer(ClientConnection& connection, unsigned status, std::string_view message) {
    // Host answers close the connection: the client should try again afresh.
    connection.send_async(canned_response(status, message, false), {});
    connection.finish_async(false, false);
    counters_.end(status);
    outstanding_.fetch_sub(1, std::memory_order_relaxed);
}

void AppPool::request_ended(WorkerProcess& worker, const InFlight& request, const ecb::Outcome& outcome) {
    record_latency(worker, request);
    counters_.end(outcome.status);
    if (request.holds_slot) outstanding_.fetch_sub(1, std::memory_order_relaxed);
    if (access_log_ && request.access) {
        AccessRecord record = *request.access;
        record.complete(outcome, request.started);
        // Cut off with its worker: the status line the client got.
        if (record.status == 0) record.status = request.status;
        access_log_->write(record);
    }
    check_request_limit(worker);
}

void AppPool::check_request_limit(WorkerProcess& worker) {
    const auto limit = options_.recycle_after_requests;
    if (limit != 0 && serving_.get() == &worker && worker.requests_served() == limit)
        begin_recycle(RecycleMode::overlapped, "request limit: " + std::to_string(limit) + " requests served");
}

void AppPool::record_latency(const WorkerProcess& worker, const InFlight& request) {
    const auto elapsed = std::chrono::steady_clock::now() - request.started;
    const std::string_view target = request.target;
    const std::string_view path = target.substr(0, target.find('?'));
    // A plain path routes as it is; one with escapes or dot segments is
    // decoded first, as the worker did.
    std::optional<Route> route;
    if (path.find('%') == std::string_view::npos && path.find("/.") == std::string_view::npos) route = router_.route(path);
    else if (const auto split = split_target(target)) route = router_.route(split->path);
    if (!route) return;
    const Mapping* mapping = route->mapping;
    // The worker reports each load with its module's key, the mapping's
    // path as text: compared as text, not as a path built per request.
    const std::string& key = mapping_keys_[static_cast<std::size_t>(mapping - router_.mappings().data())];
    if (const auto loaded = modules_by_generation_.find(worker.generation()); loaded != modules_by_generation_.end())
        for (const ModuleInfo& m : loaded->second)
            if (m.path == key) return record_latency(*mapping, m.sha256, elapsed);
    // Unloaded already (uncached mode reports the unload first) or lost.
    record_latency(*mapping, {}, elapsed);
}

void AppPool::record_latency(const Mapping& mapping, std::string_view sha256, std::chrono::nanoseconds elapsed) {
    const auto labels = [&] {
        const std::u8string name = mapping.module.filename().u8string();
        return RequestLatencies::Labels{mapping.url, std::string(name.begin(), name.end())};
    };
    if (sha256.empty()) counters_.latencies().record_latest(&mapping, elapsed, labels);
    else counters_.latencies().record(&mapping, std::string(sha256), elapsed, labels);
}

// ---- workers -----------------------------------------------------------------------

std::vector<std::string> AppPool::faults_for(std::uint64_t generation) const {
    // The front end's own plan must not leak into workers.
    std::string plan;
    std::stringstream entries(options_.worker_faults);
    for (std::string entry; std::getline(entries, entry, ',');) {
        const auto colon = entry.find(':');
        if (colon == std::string::npos || entry.substr(0, colon) != std::to_string(generation)) continue;
        plan += (plan.empty() ? "" : ",") + entry.substr(colon + 1);
    }
    return {"ISAPI_FAULTS=" + plan};
}

EventRecorder::Origin AppPool::origin(const WorkerProcess& worker) const {
    return {worker.pid(), worker.generation()};
}

std::string AppPool::crash_note_path(std::uint64_t generation) const {
    return crash_notes_.empty() ? "" : crash_notes_ + "/worker-" + std::to_string(generation) + ".note";
}

std::shared_ptr<WorkerProcess> AppPool::spawn(std::string& error, bool standby) {
    WorkerConfig config = options_.worker;
    config.generation = ++generations_;
    config.crash_note = crash_note_path(config.generation);
    config.standby = standby;
    auto worker = WorkerProcess::start(strand_, processes_, options_.executable, config, faults_for(config.generation),
                                       *this, error);
    if (!worker) {
        spdlog::error("cannot start worker generation {}: {}", config.generation, error);
        return nullptr;
    }
    const char* role = standby ? ", standby" : "";
    recorder_.worker_event(EventKind::worker_start, origin(*worker),
                           "pid " + std::to_string(worker->pid()) + ", generation " + std::to_string(config.generation) + role);
    spdlog::info("worker {} (generation {}{}) started", worker->pid(), config.generation, role);
    return worker;
}

std::shared_ptr<WorkerProcess> AppPool::next_worker(std::string& error) {
    if (!standby_) return spawn(error);
    auto worker = std::exchange(standby_, nullptr);
    worker->activate();
    standby_deaths_ = 0;
    spdlog::info("standby worker {} (generation {}) takes over", worker->pid(), worker->generation());
    return worker;
}

void AppPool::replenish_standby() {
    if (!options_.standby_worker || standby_ || standby_retry_pending_ || shutting_down_ || stopped_) return;
    // Not while a recycle's new worker starts: both would compete for the
    // CPU, and the standby is for the next recycle anyway.
    if (incoming_ || immediate_gap_ || !serving_ || serving_->state() != WorkerProcess::State::ready) return;
    std::string error;
    standby_ = spawn(error, true);
    publish();
    if (!standby_) standby_died("cannot start a standby worker: " + error);
}

void AppPool::schedule_standby(milliseconds delay) {
    if (!options_.standby_worker || standby_ || standby_retry_pending_ || shutting_down_) return;
    standby_retry_pending_ = true;
    standby_retry_.expires_after(delay);
    standby_retry_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        standby_retry_pending_ = false;
        replenish_standby();
    });
}

void AppPool::standby_died(const std::string& text) {
    const auto delay = std::min<milliseconds>(kStandbyRetryFirst * (1LL << std::min(standby_deaths_, 20u)), kStandbyRetryCap);
    ++standby_deaths_;
    spdlog::error("{}; a new standby in {} ms", text, delay.count());
    schedule_standby(delay);
}

void AppPool::worker_standing_by(WorkerProcess& worker) {
    spdlog::info("standby worker {} (generation {}) is standing by", worker.pid(), worker.generation());
}

void AppPool::start_worker_now() {
    net::post(strand_, [this] {
        if (serving_ || shutting_down_) return;
        std::string error;
        serving_ = next_worker(error);
    });
}

void AppPool::worker_ready(WorkerProcess& worker) {
    recorder_.worker_event(EventKind::worker_ready, origin(worker), "taking requests");
    auto self = worker.shared_from_this();
    if (incoming_ == self && !worker.preload_failures().empty() && serving_) {
        // The new build does not load: keep the one that does.
        recorder_.worker_event(EventKind::recycle_failed, origin(worker),
                               "the new worker could not preload (" + worker.preload_failures() +
                                   "); the old worker keeps serving");
        spdlog::error("recycle failed: worker {} could not preload: {}", worker.pid(), worker.preload_failures());
        retire(std::exchange(incoming_, nullptr));
        schedule_standby(kStandbyAfterReady);
        publish();
        return;
    }
    if (incoming_ == self) {
        // A recycle: the new worker takes the new requests now; the old one
        // (overlapped mode) finishes what it has.
        immediate_gap_ = false;
        auto old = std::exchange(serving_, std::move(incoming_));
        spdlog::info("worker {} (generation {}) took over{}", worker.pid(), worker.generation(),
                     old ? " from worker " + std::to_string(old->pid()) : "");
        if (old) retire(old);
    }
    if (serving_ == self) schedule_age_limit(self);
    schedule_standby(kStandbyAfterReady);
}

void AppPool::retire(const std::shared_ptr<WorkerProcess>& worker) {
    // Its requests leave the queue: they must not keep the serving worker
    // from taking new ones (requests that never end would hold the pool
    // until this worker is killed at its shutdown time limit).
    outstanding_.fetch_sub(worker->release_slots(), std::memory_order_relaxed);
    retiring_.push_back(worker);
    worker->drain(worker->hung ? milliseconds(0) : options_.worker.shutdown_time_limit);
}

void AppPool::slot_released(WorkerProcess&) { outstanding_.fetch_sub(1, std::memory_order_relaxed); }

void AppPool::stop_pool() {
    // As WAS does: the pool's workers go too, none is left serving.
    if (standby_) retire(std::exchange(standby_, nullptr));
    if (incoming_) retire(std::exchange(incoming_, nullptr));
    if (serving_) retire(std::exchange(serving_, nullptr));
    immediate_gap_ = false;
}

std::string AppPool::kill_reason(const WorkerProcess& worker) const {
    const auto ms = [](std::chrono::steady_clock::duration d) {
        return std::to_string(duration_cast<milliseconds>(d).count()) + " ms";
    };
    // The time that passed, then the limit it passed.
    if (worker.hung)
        return "it stopped answering pings (no answer for " + ms(worker.since_pong()) + "; ping timeout " +
               ms(options_.ping_timeout) + ")";
    return "it had not drained within the shutdown time limit (draining for " + ms(worker.since_drain()) +
           "; limit " + ms(options_.worker.shutdown_time_limit) + ")";
}

void AppPool::worker_event(WorkerProcess& worker, const WorkerEvent& event) {
    if (const auto* m = std::get_if<ModuleEvent>(&event)) {
        recorder_.module_event(*m, origin(worker));
        auto& modules = modules_by_generation_[worker.generation()];
        if (m->kind == ModuleEvent::Kind::loaded) {
            ModuleInfo info;
            info.path = m->path;
            info.module = m->module;
            info.load_generation = m->load_generation;
            info.identity = m->identity;
            info.description = m->description;
            for (const auto& mapping : options_.worker.mappings)
                if (mapping.module == m->path) info.mode = mapping.mode.value_or(options_.worker.default_mode);
            info.sha256 = m->sha256;
            modules.push_back(std::move(info));
        } else if (m->kind == ModuleEvent::Kind::load_failed) {
            failed_loads_by_generation_[worker.generation()].insert(m->module);
        } else if (m->kind == ModuleEvent::Kind::unloaded) {
            std::erase_if(modules, [&](const ModuleInfo& i) { return i.load_generation == m->load_generation && i.path == m->path; });
        }
        publish();
        return;
    }
    record_finding(worker, std::get<ecb::Finding>(event));
}

void AppPool::record_finding(const WorkerProcess& worker, const ecb::Finding& finding) {
    spdlog::warn("finding {} in {} (worker {}, load {}): {}", finding.kind, finding.module.empty() ? "?" : finding.module,
                 worker.pid(), finding.load_generation, EventRecorder::headline(finding.evidence));
    recorder_.finding(finding, origin(worker));
}

std::string AppPool::modules_at_exit(const WorkerProcess& worker, const std::vector<std::string>& lost) {
    const std::uint64_t generation = worker.generation();
    std::vector<std::string> names;
    for (const auto& m : modules_by_generation_[generation]) names.push_back(m.module);
    const std::set<std::string> failed = std::move(failed_loads_by_generation_[generation]);
    modules_by_generation_.erase(generation);
    failed_loads_by_generation_.erase(generation);
    const auto known = [&](const std::string& name) {
        return std::find(names.begin(), names.end(), name) != names.end() || failed.contains(name);
    };
    const auto loading = [&](const std::filesystem::path& module) {
        const std::string name = module.filename().string();
        if (known(name) || known(name + " (loading)")) return false;
        names.push_back(name + " (loading)");
        return true;
    };
    // A request loads its module on demand: lost with its module not loaded, it was loading it.
    for (const std::string& request : lost) {
        const auto split = split_target(request.substr(request.find(' ') + 1));  // "METHOD TARGET"
        if (const auto route = split ? router_.route(split->path) : std::nullopt) loading(route->mapping->module);
    }
    // Preloads run one after another, in mapping order, before the worker is ready.
    if (options_.worker.preload && !worker.became_ready() && !worker.standby()) {
        for (const Mapping& mapping : options_.worker.mappings)
            if (mapping.mode.value_or(options_.worker.default_mode) == LoadMode::cached && loading(mapping.module)) break;
    }
    std::string text;
    for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
    return text;
}

void AppPool::worker_exited(WorkerProcess& worker, const platform::ExitStatus& status,
                            const std::vector<std::string>& lost) {
    auto self = worker.shared_from_this();
    // A worker that crashed or was killed could not clean up after itself.
    if (!worker.shadow_directory().empty()) platform::remove_tree(worker.shadow_directory());
    // What its crash handler named (unloaded_code_executed, entry_point_crash).
    if (const auto note = crash_note_path(worker.generation()); !note.empty())
        for (const auto& finding : take_crash_note(note)) record_finding(worker, finding);
    const auto retired = std::find(retiring_.begin(), retiring_.end(), self);
    const bool expected = retired != retiring_.end();
    if (expected) retiring_.erase(retired);
    const std::string modules = modules_at_exit(worker, lost);
    std::string lost_text = std::to_string(lost.size()) + " request(s) lost";
    for (std::size_t i = 0; i < lost.size() && i < 5; ++i) lost_text += (i ? ", " : ": ") + lost[i];

    // A new worker that ended before it was ready leaves the old one serving
    // (overlapped), or none (immediate: the next request starts one).
    if (incoming_ == self) {
        incoming_.reset();
        immediate_gap_ = false;
        recorder_.worker_event(EventKind::recycle_failed, origin(worker),
                               serving_ ? "the new worker ended before it was ready; the old worker keeps serving"
                                        : "the new worker ended before it was ready");
    }
    const bool was_standby = standby_ == self;
    if (was_standby) standby_.reset();
    // Only what happens at shutdown decides the exit code.
    if (worker.killed()) {
        if (shutting_down_) all_drained_ = false;
        const std::string why = kill_reason(worker);
        recorder_.worker_event(EventKind::worker_kill, origin(worker), "killed because " + why + "; " + lost_text);
        ecb::Finding finding;
        finding.kind = worker.hung ? "hang" : "pending_at_unload";
        // Never empty (a finding names its module): a worker killed with no
        // module loaded or loading says so.
        finding.module = modules.empty() ? "(no module loaded)" : modules;
        finding.evidence = "worker " + std::to_string(worker.pid()) + " (generation " +
                           std::to_string(worker.generation()) + ") was killed because " + why + "; " + lost_text;
        spdlog::error("{}", finding.evidence);
        recorder_.finding(finding, origin(worker));
    } else if (expected) {
        if (!worker.drained_cleanly() && shutting_down_) all_drained_ = false;
        recorder_.worker_event(EventKind::worker_exit, origin(worker),
                               status.describe() + (worker.drained_cleanly() ? " after draining" : "; requests outlived the shutdown time limit"));
        spdlog::info("worker {} (generation {}) {}", worker.pid(), worker.generation(), status.describe());
    } else if (was_standby) {
        // It served nothing, so rapid-fail does not count it: its own back-off
        // keeps a standby that cannot live from becoming a spawn loop.
        const std::string text = "standby worker " + std::to_string(worker.pid()) + " (generation " +
                                 std::to_string(worker.generation()) + ") " + status.describe();
        recorder_.worker_event(EventKind::worker_crash, origin(worker), text);
        standby_died(text);
    } else {
        const std::string text = "worker " + std::to_string(worker.pid()) + " (generation " +
                                 std::to_string(worker.generation()) + ") " + status.describe() +
                                 (modules.empty() ? "" : "; modules: " + modules) + "; " + lost_text;
        spdlog::error("{}", text);
        recorder_.worker_event(EventKind::worker_crash, origin(worker), text);
        const auto now = std::chrono::steady_clock::now();
        crashes_.push_back(now);
        while (!crashes_.empty() && now - crashes_.front() > options_.rapid_fail_window) crashes_.pop_front();
        if (crashes_.size() >= options_.rapid_fail_crashes && !stopped_) {
            stopped_ = "the application pool is stopped: " + std::to_string(crashes_.size()) + " worker crashes within " +
                       std::to_string(options_.rapid_fail_window.count() / 1000) +
                       " s (rapid-fail protection); reset it with POST /_isapi/reset";
            spdlog::error("{}", *stopped_);
            recorder_.worker_event(EventKind::pool_stop, {}, *stopped_);
            stop_pool();
        }
    }
    schedule_standby(kStandbyAfterReady);
    publish();
    if (shutting_down_ && !serving_ && !incoming_ && !standby_ && retiring_.empty() && !all_exited_set_) {
        all_exited_set_ = true;
        all_exited_.set_value();
    }
}

void AppPool::worker_lost(WorkerProcess& worker) {
    // Gone, even before it is reaped: the next request starts a fresh worker.
    if (serving_.get() != &worker) return;
    serving_.reset();
    publish();
}

void AppPool::worker_unhealthy(WorkerProcess& worker, const std::string& module, const std::string& reason) {
    // As IIS does: the serving worker is recycled, once, however often its
    // extensions complain meanwhile.
    if (serving_.get() != &worker || worker.unhealthy_reported) return;
    worker.unhealthy_reported = true;
    spdlog::warn("{} in worker {} reported unhealthy: {}", module, worker.pid(), reason);
    begin_recycle(RecycleMode::overlapped, module + " reported unhealthy: " + reason);
}

// ---- recycling ---------------------------------------------------------------------

PoolCommandResult AppPool::recycle(RecycleMode mode, std::string trigger) {
    std::promise<PoolCommandResult> result;
    auto future = result.get_future();
    net::post(strand_, [&, mode, trigger = std::move(trigger)] { result.set_value(begin_recycle(mode, trigger)); });
    return future.get();
}

void AppPool::recycle_later(RecycleMode mode, std::string trigger) {
    net::post(strand_, [this, mode, trigger = std::move(trigger)] {
        const auto result = begin_recycle(mode, trigger);
        if (!result.started()) spdlog::warn("recycle ({}) not started: {}", trigger, result.message);
    });
}

PoolCommandResult AppPool::begin_recycle(RecycleMode mode, const std::string& trigger) {
    const char* mode_name = mode == RecycleMode::overlapped ? "overlapped" : "immediate";
    if (shutting_down_) return {PoolCommandResult::Kind::shutting_down, "the host is shutting down"};
    if (stopped_) return {PoolCommandResult::Kind::conflict, *stopped_};
    if (incoming_ || immediate_gap_) return {PoolCommandResult::Kind::conflict, "a recycle is already under way"};
    recorder_.worker_event(EventKind::recycle, serving_ ? origin(*serving_) : EventRecorder::Origin{},
                           std::string(mode_name) + " recycle: " + trigger);
    spdlog::info("{} recycle: {}", mode_name, trigger);
    std::string error;
    if (mode == RecycleMode::immediate) {
        if (!serving_) return {PoolCommandResult::Kind::started, "no worker was running; the next request starts one"};
        // The new worker does not wait for the old one to exit: requests that
        // never end would keep it draining until its shutdown time limit.
        retire(std::exchange(serving_, nullptr));
        incoming_ = next_worker(error);
        immediate_gap_ = incoming_ != nullptr;
        publish();
        if (!incoming_) return {PoolCommandResult::Kind::failed, "cannot start a new worker: " + error + "; the next request tries again"};
        return {PoolCommandResult::Kind::started, "immediate recycle started: the worker stops taking requests and drains, and a new one (worker " +
                         std::to_string(incoming_->pid()) + ") serves once ready"};
    }
    if (!serving_) {
        if (options_.worker.preload) serving_ = next_worker(error);
        publish();
        return {PoolCommandResult::Kind::started, "no worker was running; " + std::string(serving_ ? "a new one is starting" : "the next request starts one")};
    }
    incoming_ = next_worker(error);
    publish();
    if (!incoming_) {
        recorder_.worker_event(EventKind::recycle_failed, origin(*serving_),
                               "cannot start a new worker (" + error + "); the old worker keeps serving");
        return {PoolCommandResult::Kind::failed, "cannot start a new worker: " + error + "; the old worker keeps serving"};
    }
    return {PoolCommandResult::Kind::started, "overlapped recycle started: worker " + std::to_string(incoming_->pid()) +
                     " takes over when ready, the old worker drains"};
}

PoolCommandResult AppPool::reset() {
    std::promise<PoolCommandResult> result;
    auto future = result.get_future();
    net::post(strand_, [&] {
        if (!stopped_) return result.set_value({PoolCommandResult::Kind::conflict, "the application pool is not stopped"});
        stopped_.reset();
        crashes_.clear();
        recorder_.worker_event(EventKind::pool_reset, {}, "reset through the admin API");
        if (options_.worker.preload && !serving_) {
            std::string error;
            serving_ = next_worker(error);
        }
        publish();
        result.set_value({PoolCommandResult::Kind::started, "the application pool is running again"});
    });
    return future.get();
}

void AppPool::schedule_ping() {
    if (options_.ping_interval.count() == 0 || shutting_down_) return;
    ping_timer_.expires_after(options_.ping_interval);
    ping_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) return;
        if (serving_ && serving_->state() == WorkerProcess::State::ready) {
            if (serving_->since_pong() > options_.ping_timeout + options_.ping_interval && !serving_->hung) {
                serving_->hung = true;
                const auto silent = duration_cast<milliseconds>(serving_->since_pong()).count();
                spdlog::error("worker {} did not answer pings for {} ms (ping timeout {} ms): recycling it",
                              serving_->pid(), silent, options_.ping_timeout.count());
                begin_recycle(RecycleMode::overlapped, "worker " + std::to_string(serving_->pid()) +
                                                           " is hung (no ping answer for " + std::to_string(silent) +
                                                           " ms; ping timeout " +
                                                           std::to_string(options_.ping_timeout.count()) + " ms)");
            } else {
                serving_->ping();
            }
        }
        schedule_ping();
    });
}

void AppPool::schedule_age_limit(const std::shared_ptr<WorkerProcess>& worker) {
    if (options_.recycle_after_age.count() == 0) return;
    auto timer = std::make_shared<net::steady_timer>(strand_, options_.recycle_after_age);
    timer->async_wait([this, timer, weak = std::weak_ptr(worker)](const boost::system::error_code& ec) {
        auto w = weak.lock();
        if (ec || !w || serving_ != w) return;
        begin_recycle(RecycleMode::overlapped,
                      "age limit: worker ran " + std::to_string(options_.recycle_after_age.count()) + " ms");
    });
}

// ---- status and shutdown -------------------------------------------------------------

void AppPool::publish() {
    std::vector<std::shared_ptr<WorkerProcess>> workers;
    for (const auto* w : {&serving_, &incoming_, &standby_})
        if (*w) workers.push_back(*w);
    workers.insert(workers.end(), retiring_.begin(), retiring_.end());
    PoolSnapshot s;
    for (const auto& [generation, modules] : modules_by_generation_)
        s.modules.insert(s.modules.end(), modules.begin(), modules.end());
    s.state = stopped_ ? "stopped: " + *stopped_
              : (incoming_ || immediate_gap_) ? "recycling"
              : shutting_down_ ? "stopping"
                               : "running";
    std::lock_guard lock(snapshot_mutex_);
    snapshot_workers_ = std::move(workers);
    snapshot_ = std::move(s);
}

PoolSnapshot AppPool::snapshot() const {
    std::lock_guard lock(snapshot_mutex_);
    PoolSnapshot s = snapshot_;
    // The counters move on between publishes: read them now.
    for (const auto& w : snapshot_workers_)
        s.workers.push_back({w->pid(), w->generation(), w->state_name(), w->in_flight(), w->requests_served()});
    return s;
}

bool AppPool::shutdown() {
    auto exited = all_exited_.get_future();
    net::post(strand_, [this] {
        shutting_down_ = true;
        ping_timer_.cancel();
        standby_retry_.cancel();
        if (standby_) retire(std::exchange(standby_, nullptr));
        if (incoming_) retire(std::exchange(incoming_, nullptr));
        if (serving_) retire(std::exchange(serving_, nullptr));
        publish();
        if (retiring_.empty() && !all_exited_set_) {
            all_exited_set_ = true;
            all_exited_.set_value();
        }
    });
    // Each worker is killed at the time limit; the margin covers the reaping.
    if (exited.wait_for(options_.worker.shutdown_time_limit + std::chrono::seconds(10)) != std::future_status::ready) {
        spdlog::error("worker processes did not exit in time");
        return false;
    }
    // Every worker has exited, so no note is still to be read. Removed here,
    // not only in the destructor: a host whose requests outlived the time
    // limit leaves with _Exit, which runs no destructor.
    if (!crash_notes_.empty()) platform::remove_tree(crash_notes_);
    return all_drained_;
}

}  // namespace isapi::host
