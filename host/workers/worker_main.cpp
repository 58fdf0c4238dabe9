#include "worker_main.hpp"

#include "../runtime/extension_runtime.hpp"
#include "../modules/shadow_copy_loader.hpp"
#include "channel.hpp"
#include "ipc_transport.hpp"
#include "runner_pool.hpp"
#include "worker_config.hpp"
#include "worker_events.hpp"

#include <isapi/platform/crash_handler.hpp>
#include <isapi/platform/faults.hpp>
#include <isapi/platform/files.hpp>

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace isapi::host {

namespace net = boost::asio;

namespace {

// Everything a configured worker runs. Built when the config frame arrives.
//
// Threads (RunnerPool): the thread that reads a request runs it itself, once
// the channel's next read is under way; spare threads join the io_context
// only while every runner is stuck in a request. At most config.threads
// requests run at once, and there is always one more runner than that, so
// a request waiting for body bytes or an acknowledgement is never starved.
// A request that waits for its client (a slow upload, a slow reader) gives
// its slot up for the wait, so slow clients hold no other request back.
class WorkerRuntime final : public ClientWaitObserver {
public:
    WorkerRuntime(const WorkerConfig& config, std::shared_ptr<Channel> channel, net::io_context& io)
        : config_(config),
          io_(io),
          runners_(io, config.threads),
          channel_(std::move(channel)),
          runtime_(runtime_options(config)) {
        runtime_.dispatcher().on_unhealthy([this](const std::string& module, const std::string& reason) {
            std::string frame;
            ipc::FrameBuilder(frame).begin(ipc::FrameType::unhealthy, 0).str(module).str(reason).end();
            channel_->send(frame);
        });
    }

    ~WorkerRuntime() {
        if (!shadow_directory_.empty()) platform::remove_tree(shadow_directory_);
    }

    // Where the shadow copies go ("" without --shadow-copy).
    const std::string& shadow_directory() const { return shadow_directory_; }

    // Loads every mapped module that stays loaded (cached mode). Returns
    // the reasons of the loads that failed (empty: all loaded).
    std::string preload() {
        std::string failures;
        for (const auto& mapping : config_.mappings) {
            const LoadMode mode = mapping.mode.value_or(config_.default_mode);
            if (mode != LoadMode::cached) continue;
            auto acquired = runtime_.modules().acquire(mapping.module, mode, false);
            if (acquired.status == 0) continue;
            spdlog::warn("preload of {} failed: {}", mapping.module.string(), acquired.reason);
            failures += (failures.empty() ? "" : "; ") + mapping.module.filename().string() + ": " + acquired.reason;
        }
        return failures;
    }

    // On the reading thread: the request runs when the batch of frames
    // it came in has been read (run_batch).
    void submit(std::uint64_t id, ecb::Request request) {
        auto transport = std::make_shared<IpcTransport>(id, channel_, this);
        {
            std::lock_guard lock(mutex_);
            transports_[id] = transport;
        }
        unstarted_.fetch_add(1);
        t_batch.push_back({std::move(request), std::move(transport)});
    }

    // The reading thread keeps the first request of its batch for itself and
    // offers the rest to the other threads.
    void run_batch() {
        if (t_batch.empty()) return;
        std::vector<Job> jobs;
        jobs.swap(t_batch);
        for (std::size_t i = 1; i < jobs.size(); ++i)
            net::post(io_, [this, job = std::move(jobs[i])]() mutable { run(std::move(job)); });
        run(std::move(jobs.front()));
    }

    // Body bytes, acks and disconnects for a request that is still running.
    std::shared_ptr<IpcTransport> transport(std::uint64_t id) {
        std::lock_guard lock(mutex_);
        auto it = transports_.find(id);
        return it == transports_.end() ? nullptr : it->second;
    }

    void pong(std::uint64_t sequence) {
        // A worker whose every request slot is taken and has finished nothing
        // since the last ping is hung, even though its spare thread still
        // reads: it stays silent and the front end recycles it.
        const auto completed = runners_.finished();
        const bool hung = running_.load() >= config_.threads && completed == completed_at_last_ping_;
        completed_at_last_ping_ = completed;
        if (hung) return;
        std::string frame;
        ipc::FrameBuilder(frame).begin(ipc::FrameType::pong, 0).u64(sequence).end();
        channel_->send(frame);
    }

    // Finishes every request (up to the shutdown time limit), then
    // TerminateExtension and unload. True when everything finished.
    bool drain() {
        // Requests received but not yet running (in a read batch, posted, or
        // waiting for a slot) hold no module lease, so the module manager
        // would not wait for them and they would get 503: let them start.
        const auto deadline = std::chrono::steady_clock::now() + config_.shutdown_time_limit;
        while (unstarted_.load() > 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return runtime_.shutdown();
    }

    // ClientWaitObserver, on the thread that waits. Only a runner's request
    // holds a slot; the extension runtime's completion threads have none.
    void waiting_for_client() override {
        if (!t_holds_slot) return;
        t_holds_slot = false;
        t_parked = true;
        runners_.park();
        running_.fetch_sub(1);
        start_waiting_job();
    }

    void client_answered() override {
        if (!t_parked) return;
        // Back in its slot, even past the limit for a moment: it was running
        // before, and making it wait again would punish the client twice.
        t_parked = false;
        t_holds_slot = true;
        running_.fetch_add(1);
        runners_.unpark();
    }

private:
    struct Job {
        ecb::Request request;
        std::shared_ptr<IpcTransport> transport;
    };
    static thread_local std::vector<Job> t_batch;
    // This thread runs a request in a slot (t_holds_slot), or had one and
    // gave it up while it waits for the client (t_parked).
    static thread_local bool t_holds_slot;
    static thread_local bool t_parked;

    // A slot came free: the oldest job waiting for one starts on another runner.
    void start_waiting_job() {
        std::unique_lock lock(mutex_);
        if (waiting_.empty()) return;
        Job next = std::move(waiting_.front());
        waiting_.pop_front();
        lock.unlock();
        net::post(io_, [this, job = std::move(next)]() mutable { run(std::move(job)); });
    }

    void run(Job job) {
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
                if (job.transport->connected()) runtime_.dispatcher().handle(std::move(job.request), std::move(job.transport), 0);
                else abandon(*job.transport);
            }
            t_holds_slot = false;
            unstarted_.fetch_sub(1);  // it holds its lease now, or is over
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
    void abandon(IpcTransport& transport) {
        transport.finish(false, true);
        ecb::Outcome outcome;
        outcome.aborted = true;
        completed(transport, outcome);
    }

    platform::ModuleLoader* make_loader(const WorkerConfig& config) {
        if (!config.shadow_copy) return &platform::system_module_loader();
        std::string error;
        auto directory = platform::make_private_directory("isapi-shadow", error);
        if (!directory) throw std::runtime_error("cannot create the shadow copy folder: " + error);
        shadow_directory_ = *directory;
        shadow_loader_ = std::make_unique<ShadowCopyLoader>(platform::system_module_loader(), *directory);
        spdlog::info("shadow copies go to {}", *directory);
        return shadow_loader_.get();
    }

    ExtensionRuntimeOptions runtime_options(const WorkerConfig& config) {
        ExtensionRuntimeOptions o;
        o.mappings = config.mappings;
        o.default_mode = config.default_mode;
        o.document_root = config.document_root;
        // RunnerPool bounds the requests; this pool runs only completions.
        o.threads = config.threads;
        o.queue_limit = std::numeric_limits<std::size_t>::max();
        o.shutdown_time_limit = config.shutdown_time_limit;
        o.hunt = config.hunt;
        o.identity = IdentityOptions{static_cast<std::uint32_t>(platform::current_process_id()), config.generation,
                                     config.identity_header};
        o.loader = make_loader(config);
        o.findings = [this](const ecb::Finding& f) { report(f); };
        o.module_events = [this](const ModuleEvent& event) { report(event); };
        o.on_outcome = [this](ecb::Transport& transport, const ecb::Outcome& outcome) { completed(transport, outcome); };
        return o;
    }

    void report(const WorkerEvent& event) {
        std::string frame;
        ipc::FrameBuilder(frame).begin(ipc::FrameType::event, 0).raw(encode_worker_event(event)).end();
        channel_->send(frame);
    }

    void completed(ecb::Transport& transport, const ecb::Outcome& outcome) {
        const auto id = static_cast<IpcTransport&>(transport).id();
        std::string frame;
        ipc::FrameBuilder builder(frame);
        builder.begin(ipc::FrameType::done, id);
        ipc::encode_outcome(builder, outcome);
        builder.end();
        static_cast<IpcTransport&>(transport).send_closing(frame);
        std::lock_guard lock(mutex_);
        transports_.erase(id);
    }

    WorkerConfig config_;
    net::io_context& io_;
    RunnerPool runners_;
    std::shared_ptr<Channel> channel_;
    std::atomic<std::size_t> running_{0};
    std::atomic<std::size_t> unstarted_{0};  // received; handle() has not returned yet
    std::uint64_t completed_at_last_ping_ = static_cast<std::uint64_t>(-1);
    std::deque<Job> waiting_;
    std::string shadow_directory_;
    std::unique_ptr<ShadowCopyLoader> shadow_loader_;
    ExtensionRuntime runtime_;
    std::mutex mutex_;
    std::unordered_map<std::uint64_t, std::shared_ptr<IpcTransport>> transports_;
};

thread_local std::vector<WorkerRuntime::Job> WorkerRuntime::t_batch;
thread_local bool WorkerRuntime::t_holds_slot = false;
thread_local bool WorkerRuntime::t_parked = false;

}  // namespace

int run_worker(platform::NativeChannel native) {
    net::io_context io;
    auto channel = std::make_shared<Channel>(io.get_executor(), native);
    std::unique_ptr<WorkerRuntime> runtime;
    std::thread drainer;
    std::atomic<bool> drain_finished{false};

    auto on_frame = [&](const ipc::Frame& frame) {
        ipc::BodyReader body(frame.body);
        switch (frame.type) {
            case ipc::FrameType::config: {
                if (runtime) throw std::runtime_error("a second config frame");
                const auto config = worker_config_from_json(frame.body);
                spdlog::set_level(spdlog::level::from_str(config.log_level));
                if (std::string error; !config.crash_note.empty() && !platform::install_crash_handler(config.crash_note, error))
                    spdlog::warn("no crash handler: {}", error);
                runtime = std::make_unique<WorkerRuntime>(config, channel, io);
                const std::string preload_failures = config.preload ? runtime->preload() : "";
                std::string ready;
                ipc::FrameBuilder(ready)
                    .begin(ipc::FrameType::ready, 0)
                    .u32(static_cast<std::uint32_t>(platform::current_process_id()))
                    .str(preload_failures)
                    .str(runtime->shadow_directory())
                    .end();
                channel->send(ready);
                return;
            }
            case ipc::FrameType::request:
                if (!runtime) throw std::runtime_error("a request before the config frame");
                runtime->submit(frame.id, ipc::decode_request(body));
                return;
            case ipc::FrameType::body:
            case ipc::FrameType::body_failed:
                if (auto t = runtime ? runtime->transport(frame.id) : nullptr)
                    t->on_body(frame.body, frame.type == ipc::FrameType::body_failed);
                return;
            case ipc::FrameType::ack:
                if (auto t = runtime ? runtime->transport(frame.id) : nullptr) t->on_ack(body.u8() != 0);
                return;
            case ipc::FrameType::client_gone:
                if (auto t = runtime ? runtime->transport(frame.id) : nullptr) t->on_client_gone();
                return;
            case ipc::FrameType::ping:
                if (runtime) runtime->pong(body.u64());
                return;
            case ipc::FrameType::drain:
                if (drainer.joinable() || !runtime) return;
                // Test hook: a worker that never drains, for the front end's time limit.
                if (platform::fault_injected("drain")) {
                    spdlog::warn("injected fault: drain (ISAPI_FAULTS); ignoring the drain request");
                    return;
                }
                drainer = std::thread([&] {
                    const bool ok = runtime->drain();
                    std::string frame_bytes;
                    ipc::FrameBuilder(frame_bytes).begin(ipc::FrameType::drained, 0).u8(ok).end();
                    channel->send(frame_bytes);
                    // Stuck extension threads cannot be joined: leave without them.
                    if (!ok) {
                        spdlog::shutdown();
                        std::fflush(nullptr);
                        std::_Exit(3);
                    }
                    drain_finished = true;
                    channel->close();
                });
                return;
            default:
                throw std::runtime_error("unexpected frame type " + std::to_string(static_cast<int>(frame.type)));
        }
    };
    bool front_end_gone = false;
    channel->set_batch_end([&] {
        if (runtime) runtime->run_batch();
    });
    channel->start(on_frame, [&](const std::string& reason) {
        if (!drain_finished) {
            // The front end is gone (or the stream broke), even in the middle
            // of a drain: nobody can take a response any more, and this
            // process must not outlive it.
            spdlog::warn("worker {}: {}; exiting", platform::current_process_id(), reason);
            front_end_gone = true;
        }
        io.stop();
    });
    io.run();
    if (front_end_gone) {
        if (drainer.joinable()) drainer.detach();  // it may wait on stuck requests
        spdlog::shutdown();
        std::fflush(nullptr);
        std::_Exit(0);
    }
    if (drainer.joinable()) drainer.join();
    runtime.reset();
    return 0;
}

}  // namespace isapi::host
