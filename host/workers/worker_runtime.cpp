#include "worker_runtime.hpp"

#include <isapi/platform/files.hpp>
#include <isapi/platform/process.hpp>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace isapi::host {

namespace net = boost::asio;

thread_local bool WorkerRuntime::t_holds_slot = false;
thread_local bool WorkerRuntime::t_parked = false;

WorkerRuntime::WorkerRuntime(const WorkerConfig& config, std::shared_ptr<Channel> channel, net::io_context& io)
    : config_(config), io_(io), runners_(io, config.threads), channel_(std::move(channel)), runtime_(runtime_options(config)) {
    if (config.handoff)
        direct_ = std::make_unique<DirectConnections>(*config.handoff, runtime_.router().mappings(),
                                                      runtime_.dispatcher(), channel_);
    runtime_.dispatcher().on_unhealthy([this](const std::string& module, const std::string& reason) {
        std::string frame;
        ipc::FrameBuilder(frame).begin(ipc::FrameType::unhealthy, 0).str(module).str(reason).end();
        channel_->send(frame);
    });
}

WorkerRuntime::~WorkerRuntime() {
    if (!shadow_directory_.empty()) platform::remove_tree(shadow_directory_);
}

std::string WorkerRuntime::preload() {
    std::string failures;
    for (const auto& mapping : config_.mappings) {
        const LoadMode mode = mapping.mode.value_or(config_.default_mode);
        if (mode != LoadMode::cached) continue;
        auto acquired = runtime_.modules().acquire(mapping.module, mode);
        if (acquired.ok()) continue;
        spdlog::warn("preload of {} failed: {}", mapping.module.string(), acquired.reason);
        failures += (failures.empty() ? "" : "; ") + mapping.module.filename().string() + ": " + acquired.reason;
    }
    return failures;
}

void WorkerRuntime::submit(std::uint64_t id, ecb::Request request) {
    auto transport = std::make_shared<IpcTransport>(id, channel_, this);
    {
        std::lock_guard lock(mutex_);
        transports_[id] = transport;
    }
    unstarted_.fetch_add(1);
    std::lock_guard lock(batch_mutex_);
    batch_.push_back({std::move(request), std::move(transport)});
}

void WorkerRuntime::run_batch() {
    std::vector<Job> jobs;
    {
        std::lock_guard lock(batch_mutex_);
        jobs.swap(batch_);
    }
    if (jobs.empty()) return;
    for (std::size_t i = 1; i < jobs.size(); ++i)
        net::post(io_, [this, job = std::move(jobs[i])]() mutable { run(std::move(job)); });
    run(std::move(jobs.front()));
}

std::shared_ptr<IpcTransport> WorkerRuntime::transport(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    auto it = transports_.find(id);
    return it == transports_.end() ? nullptr : it->second;
}

void WorkerRuntime::pong(std::uint64_t sequence) {
    // A worker whose every request slot is taken and has finished nothing
    // since the last ping is hung, even though its spare thread still
    // reads: it stays silent and the front end recycles it.
    const auto completed = runners_.finished();
    bool hung = running_.load() >= config_.threads && completed == completed_at_last_ping_;
    completed_at_last_ping_ = completed;
    if (direct_) {
        // The same rule for handed connections: as many requests running as
        // there are request threads, and none served since the last ping. A
        // request waiting for its client (a slow upload) is not running.
        const auto activity = direct_->activity();
        const std::size_t waiting = runtime_.pool().waiting_for_network();
        const std::size_t running = activity.in_progress > waiting ? activity.in_progress - waiting : 0;
        hung = hung || (running >= config_.threads && activity.served == direct_served_at_last_ping_);
        direct_served_at_last_ping_ = activity.served;
    }
    if (hung) return;
    std::string frame;
    ipc::FrameBuilder(frame).begin(ipc::FrameType::pong, 0).u64(sequence).end();
    channel_->send(frame);
}

bool WorkerRuntime::drain() {
    // Handed-over connections go back to the front end, each once its
    // request (if any) has ended, for the next worker to serve.
    if (direct_ && !direct_->hand_back_all(config_.shutdown_time_limit))
        spdlog::warn("connections still held at the shutdown time limit: they close with this worker");
    // Requests received but not yet running (in a read batch, posted, or
    // waiting for a slot) hold no module lease, so the module manager would
    // not wait for them and they would get 503: let them start.
    {
        std::unique_lock lock(unstarted_mutex_);
        all_started_.wait_for(lock, config_.shutdown_time_limit, [this] { return unstarted_.load() == 0; });
    }
    return runtime_.shutdown();
}

void WorkerRuntime::started() {
    if (unstarted_.fetch_sub(1) != 1) return;
    // Under the mutex, so that drain() cannot check, miss this and then wait.
    std::lock_guard lock(unstarted_mutex_);
    all_started_.notify_all();
}

// Only a runner's request holds a slot; the extension runtime's completion
// threads have none.
void WorkerRuntime::waiting_for_client() {
    if (!t_holds_slot) return;
    t_holds_slot = false;
    t_parked = true;
    runners_.park();
    running_.fetch_sub(1);
    start_waiting_job();
}

void WorkerRuntime::client_answered() {
    if (!t_parked) return;
    // Back in its slot, even past the limit for a moment: it was running
    // before, and making it wait again would punish the client twice.
    t_parked = false;
    t_holds_slot = true;
    running_.fetch_add(1);
    runners_.unpark();
}

// A slot came free: the oldest job waiting for one starts on another runner.
void WorkerRuntime::start_waiting_job() {
    std::unique_lock lock(mutex_);
    if (waiting_.empty()) return;
    Job next = std::move(waiting_.front());
    waiting_.pop_front();
    lock.unlock();
    net::post(io_, [this, job = std::move(next)]() mutable { run(std::move(job)); });
}

void WorkerRuntime::run(Job job) {
    if (running_.fetch_add(1) >= config_.threads) {
        // Every slot is taken: wait for a running request to end.
        running_.fetch_sub(1);
        std::lock_guard lock(mutex_);
        waiting_.push_back(std::move(job));
        return;
    }
    for (;;) {
        runners_.enter_request();
        t_holds_slot = true;
        {
            FrameBatch batch(*channel_);
            if (job.transport->connected())
                runtime_.dispatcher().handle_relayed(std::move(job.request), std::move(job.transport));
            else
                abandon(*job.transport);
        }
        t_holds_slot = false;
        started();
        runners_.leave_request();
        std::lock_guard lock(mutex_);
        if (waiting_.empty()) break;
        job = std::move(waiting_.front());
        waiting_.pop_front();
    }
    running_.fetch_sub(1);
    // A job queued just before the decrement must not be stranded.
    std::unique_lock lock(mutex_);
    if (!waiting_.empty()) {
        Job next = std::move(waiting_.front());
        waiting_.pop_front();
        lock.unlock();
        run(std::move(next));
    }
}

// The client left before the request started: as IIS does, it never
// reaches the extension.
void WorkerRuntime::abandon(IpcTransport& transport) {
    transport.finish(false, true);
    ecb::Outcome outcome;
    outcome.aborted = true;
    completed(transport, outcome, {});
}

platform::ModuleLoader* WorkerRuntime::make_loader(const WorkerConfig& config) {
    if (!config.shadow_copy) return &platform::system_module_loader();
    std::string error;
    auto directory = platform::make_private_directory("isapi-shadow", error);
    if (!directory) throw std::runtime_error("cannot create the shadow copy folder: " + error);
    shadow_directory_ = *directory;
    shadow_loader_ = std::make_unique<ShadowCopyLoader>(platform::system_module_loader(), *directory);
    spdlog::info("shadow copies go to {}", *directory);
    return shadow_loader_.get();
}

ExtensionRuntimeOptions WorkerRuntime::runtime_options(const WorkerConfig& config) {
    // The member hides the free function of the same name.
    ExtensionRuntimeOptions o = host::runtime_options(config);
    o.loader = make_loader(config);
    o.findings = [this](const ecb::Finding& f) { report(f); };
    o.module_events = [this](const ModuleEvent& event) { report(event); };
    if (config.handoff && !config.handoff->access_log_fields.empty())
        direct_log_ = std::make_unique<AccessLog>(AccessFields::parse(config.handoff->access_log_fields),
                                                  [this](std::string_view line) {
                                                      if (direct_) direct_->log_line(line);
                                                  });
    o.access_log = direct_log_.get();
    o.on_outcome = [this](ecb::Transport& transport, const ecb::Outcome& outcome, InprocDispatcher::Served served) {
        completed(transport, outcome, std::move(served));
    };
    return o;
}

void WorkerRuntime::report(const WorkerEvent& event) {
    std::string frame;
    ipc::FrameBuilder(frame).begin(ipc::FrameType::event, 0).raw(encode_worker_event(event)).end();
    channel_->send(frame);
}

void WorkerRuntime::completed(ecb::Transport& transport, const ecb::Outcome& outcome,
                              const InprocDispatcher::Served& served) {
    auto* relayed = dynamic_cast<IpcTransport*>(&transport);
    if (!relayed) {
        if (direct_) direct_->served(outcome, served);
        return;
    }
    const auto id = relayed->id();
    std::string frame;
    ipc::FrameBuilder builder(frame);
    builder.begin(ipc::FrameType::done, id);
    ipc::encode_outcome(builder, outcome);
    builder.end();
    relayed->send_closing(frame);
    std::lock_guard lock(mutex_);
    transports_.erase(id);
}

}  // namespace isapi::host
