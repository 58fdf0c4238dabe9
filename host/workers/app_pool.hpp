#pragma once
// An application pool (docs/architecture.md): the front end's dispatcher when
// extensions run in worker processes. It starts workers on demand (or at
// startup with preload), routes each request to the serving worker, recycles
// (overlapped: the new worker takes over once ready while the old one drains;
// immediate: the old one stops taking requests and drains, a new one starts
// at once, and the pool answers 503 until it is ready),
// survives crashes, stops after too many of them (rapid-fail protection),
// pings workers to catch a hung one, and honours the queue limit. With a
// standby worker it keeps one more worker started and idle, which becomes a
// recycle's new worker at once.
//
// Threads: one strand owns all pool state. submit() only counts and hops to
// it; the admin API and signals reach it through post.
#include "../runtime/access_log.hpp"
#include "../events/event_recorder.hpp"
#include "../events/request_counters.hpp"
#include "../server/dispatcher.hpp"
#include "../routing/router.hpp"
#include "worker_process.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace isapi::host {

enum class RecycleMode { overlapped, immediate };

// What a recycle or reset request came to. The admin API maps it to an HTTP
// status; the pool knows nothing of HTTP.
struct PoolCommandResult {
    enum class Kind {
        started,        // under way (or nothing needed doing)
        conflict,       // a recycle is already under way, or the pool is (not) stopped
        shutting_down,  // the host is stopping
        failed,         // the new worker could not start
    };
    Kind kind = Kind::started;
    std::string message;
    bool started() const { return kind == Kind::started; }
};

// One worker as the status shows it.
struct WorkerSnapshot {
    std::uint32_t pid = 0;
    std::uint64_t generation = 0;
    std::string state;  // "starting", "serving", "draining", "standby"
    std::size_t in_flight = 0;
    std::uint64_t served = 0;
};

struct PoolSnapshot {
    std::vector<WorkerSnapshot> workers;
    std::vector<ModuleInfo> modules;  // what each generation loaded
    std::string state;                // "running", "recycling", "stopping" or "stopped: WHY"
};

// Rapid-fail protection as IIS sets it up: 5 crashes within 5 minutes.
inline constexpr std::size_t kDefaultRapidFailCrashes = 5;
inline constexpr std::chrono::milliseconds kDefaultRapidFailWindow = std::chrono::minutes(5);
inline constexpr std::uint64_t kDefaultRecycleAfterRequests = 0;  // 0: no limit
inline constexpr std::chrono::milliseconds kDefaultRecycleAfterAge{0};  // 0: no limit
inline constexpr std::chrono::milliseconds kDefaultPingInterval{5'000};  // 0: no pings
inline constexpr std::chrono::milliseconds kDefaultPingTimeout{30'000};
// A standby that died is replaced after this, doubled per death in a row up
// to the cap: a standby that cannot start never becomes a spawn loop.
inline constexpr std::chrono::milliseconds kStandbyRetryFirst{100};
inline constexpr std::chrono::milliseconds kStandbyRetryCap{30'000};
// A new standby starts this long after a worker took over, not at once: its
// exec and dynamic loading take ~10 ms of CPU, which would otherwise compete
// with the new worker's first requests (measured in docs/architecture.md,
// "Standby worker").
inline constexpr std::chrono::milliseconds kStandbyAfterReady{100};

struct AppPoolOptions {
    WorkerConfig worker;     // generation is set per worker
    std::string executable;  // the binary that serves --worker-channel
    // Requests in the pool beyond which new ones get 503: the work pool's
    // limit (reached through the runtime), which the workers do not apply.
    std::size_t queue_limit = kDefaultQueueLimit;
    std::size_t rapid_fail_crashes = kDefaultRapidFailCrashes;                // this many crashes ...
    std::chrono::milliseconds rapid_fail_window = kDefaultRapidFailWindow;  // ... within this stop the pool
    std::uint64_t recycle_after_requests = kDefaultRecycleAfterRequests;
    std::chrono::milliseconds recycle_after_age = kDefaultRecycleAfterAge;
    std::chrono::milliseconds ping_interval = kDefaultPingInterval;
    std::chrono::milliseconds ping_timeout = kDefaultPingTimeout;
    // --standby-worker: one more worker, started and handshaken but idle,
    // becomes the next recycle's (or crash's) new worker; it loads the
    // modules only then (docs/architecture.md, "Standby worker").
    bool standby_worker = false;
    // Per-generation failure injection for workers: "2:module_open,3:drain"
    // gives worker 2 ISAPI_FAULTS=module_open, worker 3 ISAPI_FAULTS=drain.
    std::string worker_faults;
};

class AppPool final : public Dispatcher, public WorkerObserver {
public:
    AppPool(boost::asio::io_context& io, platform::ProcessControl& processes, AppPoolOptions options,
            EventRecorder& recorder, RequestCounters& counters, AccessLog* access_log);
    ~AppPool() override;

    // Dispatcher (any thread).
    bool submit(ecb::Request&& request, std::shared_ptr<ClientConnection> connection) override;

    // --handoff (any thread): for the session that relays a connection's
    // first request (HttpSession::hand_back_when_kept_alive). Once the
    // client keeps the connection open, it goes to the serving worker,
    // which reads and answers the rest of its requests itself; the pool
    // keeps a copy of the socket (HandedConnections). Where no worker can
    // take it (none can start, the pool is stopped or recycling
    // immediately, the host stops), `relay_here` gets it, to serve it
    // through submit() like any other.
    std::unique_ptr<SessionTracker> pass_on_when_kept_alive(bool v6);
    void set_relay_here(std::function<void(HandedSocket)> relay_here) { relay_here_ = std::move(relay_here); }

    // Starts the first worker now (--preload).
    void start_worker_now();
    // Not on the io thread's strand (it waits for it).
    PoolCommandResult recycle(RecycleMode mode, std::string trigger);
    PoolCommandResult reset();
    // Fire and forget, from any thread, even the strand's (SIGHUP, --watch).
    void recycle_later(RecycleMode mode, std::string trigger);
    PoolSnapshot snapshot() const;  // any thread, never waits
    // Drains every worker and waits for them to exit (each is killed at the
    // shutdown time limit). True when every request finished in time.
    bool shutdown();

    // WorkerObserver (on the strand).
    void worker_ready(WorkerProcess& worker) override;
    void worker_standing_by(WorkerProcess& worker) override;
    void worker_event(WorkerProcess& worker, const WorkerEvent& event) override;
    void request_ended(WorkerProcess& worker, const InFlight& request, const ecb::Outcome& outcome) override;
    void worker_exited(WorkerProcess& worker, const platform::ExitStatus& status,
                       const std::vector<std::string>& lost) override;
    void worker_lost(WorkerProcess& worker) override;
    void worker_unhealthy(WorkerProcess& worker, const std::string& module, const std::string& reason) override;
    void slot_released(WorkerProcess& worker) override;
    void connection_returned(WorkerProcess& worker, HandedSocket socket) override;
    void direct_served(WorkerProcess& worker, unsigned status, std::chrono::nanoseconds elapsed, std::uint32_t mapping,
                       const std::string& sha256) override;
    void direct_log(std::string_view lines) override;
    void direct_in_flight(std::int64_t delta) override { counters_.add_in_flight_elsewhere(delta); }

private:
    using Strand = WorkerProcess::Strand;
    void route(ecb::Request request, std::shared_ptr<ClientConnection> connection);
    void answer(ClientConnection& connection, unsigned status, std::string_view message);
    void hand_over(HandedSocket socket);  // on the strand
    std::shared_ptr<WorkerProcess> spawn(std::string& error, bool standby = false);
    // The worker that serves next: the standby, activated, if there is one;
    // else a fresh spawn (nullptr with the reason in `error`).
    std::shared_ptr<WorkerProcess> next_worker(std::string& error);
    // Starts a standby when the pool wants one and has none: a worker serves,
    // no recycle is under way, no replacement is waiting out its back-off.
    void replenish_standby();
    // replenish_standby() after `delay`, unless one is already scheduled.
    void schedule_standby(std::chrono::milliseconds delay);
    // Logs why, and starts the replacement after the back-off.
    void standby_died(const std::string& text);
    PoolCommandResult begin_recycle(RecycleMode mode, const std::string& trigger);
    void retire(const std::shared_ptr<WorkerProcess>& worker);
    // Rapid-fail protection: no worker serves until reset().
    void stop_pool();
    std::string kill_reason(const WorkerProcess& worker) const;
    void schedule_ping();
    void schedule_age_limit(const std::shared_ptr<WorkerProcess>& worker);
    std::vector<std::string> faults_for(std::uint64_t generation) const;
    EventRecorder::Origin origin(const WorkerProcess& worker) const;
    std::string crash_note_path(std::uint64_t generation) const;  // "" without a notes folder
    void record_finding(const WorkerProcess& worker, const ecb::Finding& finding);  // log and events
    // "a.so, b.so (loading)": what a worker that ended had loaded, and what
    // it was loading (a lost request's module not loaded yet; before it was
    // ready, the preload it had not finished). Forgets the generation.
    std::string modules_at_exit(const WorkerProcess& worker, const std::vector<std::string>& lost);
    // Copies what status() shows, under snapshot_mutex_: the admin API must
    // not wait for the strand, which may run on its own thread.
    void publish();

    Strand strand_;
    platform::ProcessControl& processes_;
    AppPoolOptions options_;
    EventRecorder& recorder_;
    RequestCounters& counters_;
    AccessLog* access_log_;
    // Requests accepted and holding a queue slot: not ended, client still
    // there, worker not retired.
    std::atomic<std::size_t> outstanding_{0};
    std::string crash_notes_;  // folder of the workers' crash notes; "" when it could not be made

    // Strand state.
    std::uint64_t generations_ = 0;
    std::shared_ptr<WorkerProcess> serving_;   // takes new requests
    std::shared_ptr<WorkerProcess> incoming_;  // a recycle's new worker: starting, takes over when ready
    std::vector<std::shared_ptr<WorkerProcess>> retiring_;  // draining
    std::shared_ptr<WorkerProcess> standby_;   // --standby-worker: started, idle, serves nothing
    boost::asio::steady_timer standby_retry_;  // a dead standby's replacement, after its back-off
    bool standby_retry_pending_ = false;
    unsigned standby_deaths_ = 0;  // in a row: the back-off's exponent; 0 again once a standby is used
    bool immediate_gap_ = false;  // immediate recycle: no worker serves until incoming_ is ready
    std::deque<std::chrono::steady_clock::time_point> crashes_;
    std::optional<std::string> stopped_;  // rapid-fail: why the pool answers 503
    bool shutting_down_ = false;
    bool all_drained_ = true;
    std::promise<void> all_exited_;
    bool all_exited_set_ = false;
    boost::asio::steady_timer ping_timer_;
    std::map<std::uint64_t, std::vector<ModuleInfo>> modules_by_generation_;
    std::map<std::uint64_t, std::set<std::string>> failed_loads_by_generation_;  // module file names
    Router router_;  // the workers' mappings: which module a lost request was for
    // A request's time, for its mapping and the build its worker reported
    // loading; on the strand, with no allocation for a plain target.
    void record_latency(const WorkerProcess& worker, const InFlight& request);
    // The same for a mapping and build known already ("" sha256: the latest build).
    void record_latency(const Mapping& mapping, std::string_view sha256, std::chrono::nanoseconds elapsed);
    // --recycle-requests: a recycle once the serving worker reaches the limit.
    void check_request_limit(WorkerProcess& worker);
    std::vector<std::string> mapping_keys_;  // router_'s module paths, as the workers spell them
    std::function<void(HandedSocket)> relay_here_;
    std::uint64_t next_connection_id_ = 1;  // --handoff, on the strand

    mutable std::mutex snapshot_mutex_;
    std::vector<std::shared_ptr<WorkerProcess>> snapshot_workers_;
    PoolSnapshot snapshot_;  // its workers are filled from snapshot_workers_ when asked
};

}  // namespace isapi::host
