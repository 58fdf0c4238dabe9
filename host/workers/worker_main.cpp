#include "worker_main.hpp"

#include "worker_runtime.hpp"

#include <isapi/contract/host_contract.hpp>
#include <isapi/ecb/warm_up.hpp>
#include <isapi/platform/crash_handler.hpp>
#include <isapi/platform/faults.hpp>

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <thread>
#include <utility>

namespace isapi::host {

namespace net = boost::asio;

namespace {

// Ends the process now, with the log flushed: for when threads that cannot
// be joined (stuck in extension code) would keep a normal exit waiting.
[[noreturn]] void leave_now(int code) {
    spdlog::shutdown();
    std::fflush(nullptr);
    std::_Exit(code);
}

// The worker's side of the channel: one handler per frame type. Frames
// arrive in order on the io_context's reading thread; the requests they
// carry run on the WorkerRuntime's threads.
class WorkerLoop {
public:
    explicit WorkerLoop(platform::NativeChannel native)
        : channel_(std::make_shared<Channel>(io_.get_executor(), native)) {}

    int run() {
        channel_->set_batch_end([this] {
            if (runtime_) runtime_->run_batch();
        });
        channel_->start([this](const ipc::Frame& frame) { on_frame(frame); },
                        [this](const std::string& reason) { on_close(reason); });
        io_.run();
        if (front_end_gone_) {
            if (drainer_.joinable()) drainer_.detach();  // it may wait on stuck requests
            leave_now(contract::exit_ok);
        }
        if (drainer_.joinable()) drainer_.join();
        runtime_.reset();
        return contract::exit_ok;
    }

private:
    void on_frame(const ipc::Frame& frame) {
        ipc::BodyReader body(frame.body);
        switch (frame.type) {
            case ipc::FrameType::config: return on_config(frame);
            case ipc::FrameType::request: return on_request(frame.id, body);
            case ipc::FrameType::body:
            case ipc::FrameType::body_failed:
                if (auto t = transport(frame.id)) t->on_body(frame.body, frame.type == ipc::FrameType::body_failed);
                return;
            case ipc::FrameType::ack:
                if (auto t = transport(frame.id)) t->on_ack(body.u8() != 0);
                return;
            case ipc::FrameType::client_gone:
                if (auto t = transport(frame.id)) t->on_client_gone();
                return;
            case ipc::FrameType::ping:
                if (runtime_) runtime_->pong(body.u64());
                return;
            case ipc::FrameType::drain: return on_drain();
            case ipc::FrameType::states: return on_states(body);
            case ipc::FrameType::connection: return on_connection(frame.id, body);
            case ipc::FrameType::activate: return on_activate();
            default:
                // Thrown out of the channel's handler: the channel closes.
                throw std::runtime_error("unexpected frame type " + std::to_string(static_cast<int>(frame.type)));
        }
    }

    DirectConnections& direct() {
        if (!runtime_ || !runtime_->direct()) throw std::runtime_error("a connection frame without --handoff");
        return *runtime_->direct();
    }

    void on_states(ipc::BodyReader& body) {
        const auto table = channel_->take_descriptor();
        if (table == platform::kNoDescriptor) throw std::runtime_error("a states frame without its table");
        direct().attach_states(table, body.u32());
    }

    void on_connection(std::uint64_t id, ipc::BodyReader& body) {
        const auto socket = channel_->take_descriptor();
        if (socket == platform::kNoDescriptor) throw std::runtime_error("a connection frame without its socket");
        const std::uint32_t slot = body.u32();
        const bool v6 = body.u8() != 0;
        direct().adopt(id, slot, v6, socket, body.str());
    }

    std::shared_ptr<IpcTransport> transport(std::uint64_t id) { return runtime_ ? runtime_->transport(id) : nullptr; }

    void on_config(const ipc::Frame& frame) {
        if (runtime_) throw std::runtime_error("a second config frame");
        const auto config = worker_config_from_json(frame.body);
        spdlog::set_level(spdlog::level::from_str(config.log_level));
        if (std::string error; !config.crash_note.empty() && !platform::install_crash_handler(config.crash_note, error))
            spdlog::warn("no crash handler: {}", error);
        runtime_ = std::make_unique<WorkerRuntime>(config, channel_, io_);
        // Descriptors come only once the front end has this worker's ready
        // (or standing_by), which follows this frame.
        if (config.handoff) channel_->set_receives_descriptors(true);
        preload_ = config.preload;
        if (!config.standby) return report_ready();
        // A standby has paid for exec, dynamic loading and the runtime's
        // threads; loading the modules waits for activate, so that the build
        // it serves is the one on disk when it takes over.
        standing_by_ = true;
        ecb::warm_up();
        std::string standing_by;
        ipc::FrameBuilder(standing_by)
            .begin(ipc::FrameType::standing_by, 0)
            .u32(static_cast<std::uint32_t>(platform::current_process_id()))
            .str(runtime_->shadow_directory())
            .end();
        channel_->send(standing_by);
    }

    void on_activate() {
        if (!std::exchange(standing_by_, false)) throw std::runtime_error("activate for a worker that is not a standby");
        report_ready();
    }

    void report_ready() {
        const std::string preload_failures = preload_ ? runtime_->preload() : "";
        std::string ready;
        ipc::FrameBuilder(ready)
            .begin(ipc::FrameType::ready, 0)
            .u32(static_cast<std::uint32_t>(platform::current_process_id()))
            .str(preload_failures)
            .str(runtime_->shadow_directory())
            .end();
        channel_->send(ready);
    }

    void on_request(std::uint64_t id, ipc::BodyReader& body) {
        if (!runtime_) throw std::runtime_error("a request before the config frame");
        runtime_->submit(id, ipc::decode_request(body));
    }

    // Draining waits for requests, so it runs on a thread of its own while
    // this one keeps reading their body bytes and acknowledgements.
    void on_drain() {
        if (drainer_.joinable() || !runtime_) return;
        // Test hook: a worker that never drains, for the front end's time limit.
        if (platform::fault_injected("drain")) {
            spdlog::warn("injected fault: drain (ISAPI_FAULTS); ignoring the drain request");
            return;
        }
        drainer_ = std::thread([this] {
            const bool ok = runtime_->drain();
            std::string frame;
            ipc::FrameBuilder(frame).begin(ipc::FrameType::drained, 0).u8(ok).end();
            channel_->send(frame);
            // Stuck extension threads cannot be joined: leave without them,
            // once the front end has what was sent (the drain's findings,
            // pending_at_unload among them, and this frame).
            if (!ok) {
                channel_->wait_sent(std::chrono::seconds(2));
                leave_now(contract::exit_shutdown_time_limit);
            }
            drain_finished_ = true;
            channel_->close();
        });
    }

    void on_close(const std::string& reason) {
        if (!drain_finished_) {
            // The front end is gone (or the stream broke), even in the middle
            // of a drain: nobody can take a response any more, and this
            // process must not outlive it.
            spdlog::warn("worker {}: {}; exiting", platform::current_process_id(), reason);
            front_end_gone_ = true;
        }
        io_.stop();
    }

    net::io_context io_;
    std::shared_ptr<Channel> channel_;
    std::unique_ptr<WorkerRuntime> runtime_;
    std::thread drainer_;
    std::atomic<bool> drain_finished_{false};
    bool front_end_gone_ = false;
    bool preload_ = false;
    bool standing_by_ = false;  // configured as a standby, not activated yet
};

}  // namespace

int run_worker(platform::NativeChannel native) { return WorkerLoop(native).run(); }

}  // namespace isapi::host
