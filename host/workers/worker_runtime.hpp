#pragma once
// Everything a configured worker process runs: the extension runtime (module
// manager, router, ECB dispatcher) plus the scheduling of requests onto the
// worker's threads. worker_main.cpp builds one when the config frame arrives.
//
// Threads: at most config.threads requests run at once, on RunnerPool's
// runners; a request that waits for its client gives its slot up for the
// wait. docs/architecture.md, "Threading model", has the whole scheme.
#include "../modules/shadow_copy_loader.hpp"
#include "../runtime/extension_runtime.hpp"
#include "channel.hpp"
#include "direct_connections.hpp"
#include "ipc_transport.hpp"
#include "runner_pool.hpp"
#include "worker_config.hpp"
#include "worker_events.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace isapi::host {

class WorkerRuntime final : public ClientWaitObserver {
public:
    // Throws std::runtime_error when the shadow copy folder cannot be made.
    WorkerRuntime(const WorkerConfig& config, std::shared_ptr<Channel> channel, boost::asio::io_context& io);
    ~WorkerRuntime();

    // Where the shadow copies go ("" without --shadow-copy).
    const std::string& shadow_directory() const { return shadow_directory_; }

    // Loads every mapped module that stays loaded (cached mode). Returns
    // the reasons of the loads that failed (empty: all loaded).
    std::string preload();

    // On the reading thread: the request runs when the batch of frames it
    // came in has been read (run_batch).
    void submit(std::uint64_t id, ecb::Request request);
    // The reading thread keeps the first request of its batch for itself and
    // offers the rest to the other threads.
    void run_batch();

    // Body bytes, acks and disconnects for a request that is still running;
    // null once it is over.
    std::shared_ptr<IpcTransport> transport(std::uint64_t id);

    // --handoff: the connections the front end passes over (null without).
    DirectConnections* direct() { return direct_.get(); }

    // Answers a ping, unless the worker is hung (then the front end's ping
    // time-out recycles it).
    void pong(std::uint64_t sequence);

    // Finishes every request (up to the shutdown time limit), then
    // TerminateExtension and unload. True when everything finished.
    bool drain();

    // ClientWaitObserver, on the thread that waits.
    void waiting_for_client() override;
    void client_answered() override;

private:
    struct Job {
        ecb::Request request;
        std::shared_ptr<IpcTransport> transport;
    };
    // This thread runs a request in a slot (t_holds_slot), or had one and
    // gave it up while it waits for the client (t_parked).
    static thread_local bool t_holds_slot;
    static thread_local bool t_parked;

    void start_waiting_job();
    void run(Job job);
    void started();  // a received request holds its lease now, or is over
    void abandon(IpcTransport& transport);
    platform::ModuleLoader* make_loader(const WorkerConfig& config);
    ExtensionRuntimeOptions runtime_options(const WorkerConfig& config);
    void report(const WorkerEvent& event);
    void completed(ecb::Transport& transport, const ecb::Outcome& outcome, const InprocDispatcher::Served& served);

    WorkerConfig config_;
    boost::asio::io_context& io_;
    RunnerPool runners_;
    std::shared_ptr<Channel> channel_;
    std::atomic<std::size_t> running_{0};
    std::uint64_t completed_at_last_ping_ = static_cast<std::uint64_t>(-1);
    std::uint64_t direct_served_at_last_ping_ = static_cast<std::uint64_t>(-1);
    std::deque<Job> waiting_;
    // Requests of the frames read so far, started when the read's frames are
    // all decoded. A member, not a thread_local: the next read may complete
    // on another io thread meanwhile, and a thread_local with a destructor
    // crashes at thread exit under mingw-w64's emulated TLS.
    std::mutex batch_mutex_;
    std::vector<Job> batch_;
    std::string shadow_directory_;
    std::unique_ptr<ShadowCopyLoader> shadow_loader_;
    // --handoff with an access log: the worker makes the lines, the front
    // end writes them.
    std::unique_ptr<AccessLog> direct_log_;
    ExtensionRuntime runtime_;
    std::unique_ptr<DirectConnections> direct_;
    std::mutex mutex_;
    std::unordered_map<std::uint64_t, std::shared_ptr<IpcTransport>> transports_;

    // Received, and handle() has not returned yet: drain() waits for these.
    std::atomic<std::size_t> unstarted_{0};
    std::mutex unstarted_mutex_;
    std::condition_variable all_started_;
};

}  // namespace isapi::host
