#pragma once
// The front end's handle on one worker process (like WAS's view of a w3wp):
// it forwards requests as frames, relays the worker's response frames to the
// client connections, and, when the worker dies, answers what was lost: 502
// if no response byte had gone out, else an abortive close.
//
// Threads: everything here runs on the pool's strand (the channel's reads are
// bound to it); only the exit status arrives from the reaper thread, posted.
#include "../runtime/access_log.hpp"
#include "../server/client_connection.hpp"
#include "channel.hpp"
#include "handed_connections.hpp"
#include "worker_config.hpp"
#include "worker_events.hpp"

#include <isapi/platform/process.hpp>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace isapi::host {

class WorkerProcess;

// A request on its way through a worker.
struct InFlight {
    std::shared_ptr<ClientConnection> client;
    std::chrono::steady_clock::time_point started;
    std::string method, target;  // for the log when it is lost
    bool finished = false;  // the response is complete (FINISH seen)
    // Counts toward the pool's queue limit: until the request ends, its
    // client leaves, or its worker is retired (see AppPool::retire).
    bool holds_slot = true;
    bool client_gone = false;  // the worker was told
    bool watched = false;      // the client's departure is watched for (WorkerProcess::watch_lasting)
    unsigned status = 0;    // from the status line of the first response bytes
    std::uint64_t bytes = 0;
    std::optional<AccessRecord> access;  // when the host keeps an access log
};

// What the pool is told about its workers.
class WorkerObserver {
public:
    virtual ~WorkerObserver() = default;
    virtual void worker_ready(WorkerProcess& worker) = 0;
    // A standby worker applied its config and waits for activate().
    virtual void worker_standing_by(WorkerProcess& worker) = 0;
    virtual void worker_event(WorkerProcess& worker, const WorkerEvent& event) = 0;
    // A request ended: normally (`outcome` from the worker), or lost with
    // the worker (`outcome.status` 502, or 0 for a closed connection).
    virtual void request_ended(WorkerProcess& worker, const InFlight& request, const ecb::Outcome& outcome) = 0;
    // The channel closed: the worker can take no more requests (its exit
    // is reported once the process is reaped).
    virtual void worker_lost(WorkerProcess& worker) = 0;
    // Both the channel has closed and the process has been reaped.
    virtual void worker_exited(WorkerProcess& worker, const platform::ExitStatus& status,
                               const std::vector<std::string>& lost) = 0;
    // A request gave its queue slot up before ending (its client left).
    virtual void slot_released(WorkerProcess& worker) = 0;
    // --handoff: a connection came back between requests (the worker
    // drained, or died while it waited for a request), for the next worker.
    virtual void connection_returned(WorkerProcess& worker, HandedSocket socket) = 0;
    // --handoff: a request on a handed connection ended; `mapping` indexes
    // the mappings as the router orders them, plus one (0: none).
    virtual void direct_served(WorkerProcess& worker, unsigned status, std::chrono::nanoseconds elapsed,
                               std::uint32_t mapping, const std::string& sha256) = 0;
    // --handoff: access log lines the worker made.
    virtual void direct_log(std::string_view lines) = 0;
    // --handoff: the requests the worker holds on handed connections went
    // up or down by `delta`.
    virtual void direct_in_flight(std::int64_t delta) = 0;
    // An extension in the worker called HSE_REQ_REPORT_UNHEALTHY.
    virtual void worker_unhealthy(WorkerProcess& worker, const std::string& module, const std::string& reason) = 0;
};

class WorkerProcess : public std::enable_shared_from_this<WorkerProcess> {
public:
    enum class State { starting, ready, draining, exited };
    using Strand = boost::asio::strand<boost::asio::any_io_executor>;

    // Spawns `executable --worker-channel {channel}` and sends it `config`.
    // nullptr with the reason in `error` when the process cannot start.
    static std::shared_ptr<WorkerProcess> start(Strand strand, platform::ProcessControl& processes,
                                                const std::string& executable, const WorkerConfig& config,
                                                const std::vector<std::string>& env, WorkerObserver& observer,
                                                std::string& error);
    ~WorkerProcess();

    // Forwards a request (it is queued by the worker while it starts).
    void submit(ecb::Request request, std::shared_ptr<ClientConnection> client,
                std::optional<AccessRecord> access = std::nullopt);
    // --handoff: passes a client connection to the worker (held back until
    // it is ready). False when this worker takes no connections (the socket
    // stays the caller's).
    bool hand_over(std::uint64_t id, HandedSocket& socket);
    // A standby (config.standby) takes over: it loads its modules (with
    // preload) and reports ready. Requests may follow at once: the worker
    // queues them behind the activation.
    void activate();
    // Asks the worker to finish its requests and exit; `deadline` later it is killed.
    void drain(std::chrono::milliseconds deadline);
    // The client of request `id` went away: the request holds no queue slot
    // any more, and the worker treats it as abandoned (IIS: writes fail, a
    // request not yet started never runs).
    void client_left(std::uint64_t id);
    // Every request here stops holding a queue slot; returns how many did.
    std::size_t release_slots();
    // Kills the process now; false (with the reason) if the OS refused.
    bool kill(std::string& error);
    void ping();

    State state() const { return state_.load(std::memory_order_relaxed); }  // any thread
    std::uint32_t pid() const { return static_cast<std::uint32_t>(pid_); }
    std::uint64_t generation() const { return generation_; }
    // Readable from any thread (the admin API's status).
    std::size_t in_flight() const {
        return in_flight_.load(std::memory_order_relaxed) + direct_in_flight_.load(std::memory_order_relaxed);
    }
    std::uint64_t requests_served() const { return served_.load(std::memory_order_relaxed); }
    bool hung = false;  // missed its pings: drained with no grace
    bool unhealthy_reported = false;  // an extension asked for a recycle (handled once)
    std::chrono::steady_clock::duration since_pong() const;
    // How long ago drain() was called (zero if it was not).
    std::chrono::steady_clock::duration since_drain() const;
    bool drained_cleanly() const { return drained_ok_; }
    // It said it was ready (its preloads were done) at some point.
    bool became_ready() const { return became_ready_; }
    // Why preloading failed in this worker (empty: it did not).
    const std::string& preload_failures() const { return preload_failures_; }
    // The worker's shadow-copy folder, which outlives a crashed worker.
    const std::string& shadow_directory() const { return shadow_directory_; }
    bool killed() const { return killed_; }
    // Spawned as a standby and not activated yet (any thread: the status).
    bool standby() const { return standby_.load(std::memory_order_relaxed); }
    // A standby that has answered standing_by: handshaken and idle.
    bool standing_by() const { return standing_by_.load(std::memory_order_relaxed); }
    std::string state_name() const;

private:
    WorkerProcess(Strand strand, platform::ProcessControl& processes, WorkerObserver& observer,
                  platform::ProcessId pid, std::uint64_t generation);
    void on_frame(const ipc::Frame& frame);
    void on_channel_closed(const std::string& reason);
    void on_reaped(platform::ExitStatus status);
    void maybe_report_exit();
    void send_frame(ipc::FrameType type, std::uint64_t id, std::string_view body = {});
    InFlight* find(std::uint64_t id);
    bool send_connection(std::uint64_t id, HandedSocket& socket);
    void on_served(ipc::BodyReader& body);
    void set_direct_in_flight(std::uint32_t now);
    // Watches for the departure of the clients of requests that have run
    // for kWatchClientsAfter, then again that much later while any is
    // unwatched. Most requests end sooner, and need no watch: arming one
    // costs a system call per request (Linux: an epoll_ctl; Windows: a
    // zero-byte overlapped receive, and its cancellation).
    static constexpr std::chrono::milliseconds kWatchClientsAfter{10};
    void schedule_client_watch();
    void watch_lasting();

    Strand strand_;
    platform::ProcessControl& processes_;
    WorkerObserver& observer_;
    const platform::ProcessId pid_;
    const std::uint64_t generation_;
    std::shared_ptr<Channel> channel_;
    std::thread reaper_;
    // Written on the strand; the admin API's status reads it from its thread.
    std::atomic<State> state_{State::starting};
    std::atomic<bool> standby_{false};
    std::atomic<bool> standing_by_{false};
    std::uint64_t next_id_ = 1;
    std::unordered_map<std::uint64_t, InFlight> requests_;
    std::atomic<std::uint64_t> served_{0};
    std::atomic<std::size_t> in_flight_{0};
    std::atomic<std::uint32_t> direct_in_flight_{0};  // --handoff: requests on handed connections
    std::chrono::steady_clock::time_point last_pong_ = std::chrono::steady_clock::now();
    std::uint64_t ping_sequence_ = 0;
    std::optional<std::chrono::steady_clock::time_point> drain_started_;
    boost::asio::steady_timer drain_deadline_;
    boost::asio::steady_timer client_watch_;
    bool client_watch_scheduled_ = false;
    bool drained_ok_ = false;
    bool became_ready_ = false;
    bool killed_ = false;
    bool channel_closed_ = false;
    std::vector<std::string> lost_;
    std::string preload_failures_;
    std::string shadow_directory_;
    std::optional<platform::ExitStatus> exit_status_;
    std::unique_ptr<HandedConnections> handed_;  // --handoff
    std::vector<std::pair<std::uint64_t, HandedSocket>> waiting_connections_;  // until ready
};

}  // namespace isapi::host
