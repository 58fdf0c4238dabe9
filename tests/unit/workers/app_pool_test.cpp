// AppPool's life cycle of workers without processes or sockets: a fake
// ProcessControl hands out pretend workers, the recording Channel
// (fake_channel.hpp) carries their frames, and the test plays each worker
// (ready, done, pong, exit) and each client.
#include "fake_channel.hpp"

#include <workers/app_pool.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

namespace net = boost::asio;
using namespace isapi::host;
using namespace std::chrono_literals;
using isapi::platform::ExitStatus;
using isapi::platform::ProcessId;

namespace {

constexpr auto kLimit = 5s;  // how long any awaited step may take

// Pretend worker processes: each spawn gets a pid, and the pid doubles as
// its channel handle. A process ends when the test says so or when killed.
class FakeProcesses final : public isapi::platform::ProcessControl {
public:
    std::optional<isapi::platform::ChildProcess> spawn(const std::string&, const std::vector<std::string>&,
                                                       const std::vector<std::string>&, std::string& error,
                                                       const std::string&) override {
        std::lock_guard lock(mutex_);
        if (refuse_spawns) {
            error = "spawns refused by the test";
            return std::nullopt;
        }
        // Unique across tests too: the pid names the channel the test talks to.
        static std::atomic<ProcessId> next_pid{1000};
        const ProcessId pid = next_pid++;
        spawned_.push_back(pid);
        changed_.notify_all();
        return isapi::platform::ChildProcess{pid, static_cast<isapi::platform::NativeChannel>(pid)};
    }
    bool kill(ProcessId pid, std::string&) override {
        end(pid, {true, 9});
        return true;
    }
    bool terminate(ProcessId pid, std::string& error) override { return kill(pid, error); }
    ExitStatus wait(ProcessId pid) override {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return exits_.count(pid) != 0; });
        return exits_[pid];
    }

    // The process ends: its reaper wakes, and its channel closes as the
    // kernel would close it.
    void end(ProcessId pid, ExitStatus status) {
        {
            std::lock_guard lock(mutex_);
            if (!exits_.emplace(pid, status).second) return;
        }
        changed_.notify_all();
        test::close_other_end(static_cast<isapi::platform::NativeChannel>(pid));
    }
    void end_all() {
        for (ProcessId pid : spawned()) end(pid, {false, 0});
    }
    bool killed(ProcessId pid) {
        std::lock_guard lock(mutex_);
        return exits_.count(pid) && exits_[pid].signaled && exits_[pid].code == 9;
    }
    // The pid of the `n`th spawn (from 1), once it has happened.
    std::optional<ProcessId> nth(std::size_t n) {
        std::unique_lock lock(mutex_);
        if (!changed_.wait_for(lock, kLimit, [&] { return spawned_.size() >= n; })) return std::nullopt;
        return spawned_[n - 1];
    }
    std::vector<ProcessId> spawned() {
        std::lock_guard lock(mutex_);
        return spawned_;
    }

    bool refuse_spawns = false;  // set before the pool runs

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<ProcessId> spawned_;
    std::map<ProcessId, ExitStatus> exits_;
};

// A client connection that records its response.
class FakeClient final : public ClientConnection {
public:
    void send_async(std::string bytes, std::function<void(bool)> written) override {
        {
            std::lock_guard lock(mutex_);
            response_ += bytes;
        }
        if (written) written(true);
    }
    void receive_async(std::size_t, std::function<void(std::optional<std::string>)> received) override {
        received(std::string());
    }
    void finish_async(bool, bool) override {
        {
            std::lock_guard lock(mutex_);
            finished_ = true;
        }
        changed_.notify_all();
    }
    bool response_started() const override {
        std::lock_guard lock(mutex_);
        return !response_.empty();
    }
    void notify_when_gone(std::function<void()>) override {}
    bool send(std::span<const std::string_view>) override { return true; }
    std::optional<std::size_t> receive(std::span<char>) override { return 0; }
    bool connected() const override { return true; }
    void finish(bool, bool) override {}

    // The response once finished ("" if it was not within the limit).
    std::string response() {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, kLimit, [&] { return finished_; });
        return finished_ ? response_ : "";
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string response_;
    bool finished_ = false;
};

std::string frame(ipc::FrameType type, std::uint64_t id, const std::function<void(ipc::FrameBuilder&)>& body = {}) {
    std::string bytes;
    ipc::FrameBuilder f(bytes);
    f.begin(type, id);
    if (body) body(f);
    f.end();
    return bytes;
}

// Polls `condition` until it holds; false if it did not within the limit.
template <class Condition>
bool eventually(Condition condition) {
    const auto deadline = std::chrono::steady_clock::now() + kLimit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::yield();
    }
    return true;
}

isapi::platform::NativeChannel channel_of(ProcessId pid) { return static_cast<isapi::platform::NativeChannel>(pid); }

struct Pool {
    net::io_context io;
    net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(io);
    FakeProcesses processes;
    EventLog log;
    LifecycleCounters lifecycle;
    EventRecorder recorder{log, lifecycle};
    RequestCounters counters;
    std::unique_ptr<AppPool> pool;
    std::thread io_thread;

    explicit Pool(AppPoolOptions options = {}) {
        options.executable = "worker-that-is-never-run";
        pool = std::make_unique<AppPool>(io, processes, std::move(options), recorder, counters, nullptr);
        io_thread = std::thread([this] { io.run(); });
    }
    // Shuts the pool down with every pretend worker ending at once, then
    // lets the io_context run out of work (timers, reapers) before it goes.
    ~Pool() {
        auto stopped = std::async(std::launch::async, [this] { return pool->shutdown(); });
        while (stopped.wait_for(10ms) != std::future_status::ready) processes.end_all();
        work.reset();
        io_thread.join();
        pool.reset();
    }

    std::shared_ptr<FakeClient> request(std::string target = "/ext.dll") {
        auto client = std::make_shared<FakeClient>();
        isapi::ecb::Request r;
        r.unencoded_url = std::move(target);
        pool->submit(std::move(r), client);
        return client;
    }

    // The worker says it is configured and taking requests.
    void ready(ProcessId pid) {
        test::deliver(channel_of(pid), frame(ipc::FrameType::ready, 0, [&](auto& f) {
            f.u32(static_cast<std::uint32_t>(pid)).str("").str("");
        }));
    }
    // The worker answers request `id` with `status` and ends it.
    void answer(ProcessId pid, std::uint64_t id, unsigned status) {
        const std::string head = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 0\r\n\r\n";
        isapi::ecb::Outcome outcome;
        outcome.status = status;
        test::deliver(channel_of(pid), frame(ipc::FrameType::send, id, [&](auto& f) { f.u8(0).raw(head); }) +
                                           frame(ipc::FrameType::finish, id, [](auto& f) { f.u8(1).u8(0); }) +
                                           frame(ipc::FrameType::done, id, [&](auto& f) { ipc::encode_outcome(f, outcome); }));
    }
    // Request ids sent to `pid` so far.
    std::vector<std::uint64_t> requests_to(ProcessId pid) {
        std::vector<std::uint64_t> ids;
        for (const auto& f : test::sent_frames(channel_of(pid)))
            if (f.type == ipc::FrameType::request) ids.push_back(f.id);
        return ids;
    }
    bool sent_drain(ProcessId pid) { return test::wait_for_frame(channel_of(pid), ipc::FrameType::drain); }

    // Waits for an event of `kind`; nullopt if none came within the limit.
    std::optional<Event> event(EventKind kind) {
        std::optional<Event> found;
        eventually([&] {
            for (const auto& e : log.since(0))
                if (e.kind == kind) found = e;
            return found.has_value();
        });
        return found;
    }
    std::string pool_state() { return pool->snapshot().state; }
};

bool starts_with_status(const std::string& response, unsigned status) {
    return response.starts_with("HTTP/1.1 " + std::to_string(status));
}

// Waits until `pid` has been sent a request frame; its id, or 0.
std::uint64_t request_id_at(Pool& p, ProcessId pid) {
    if (!test::wait_for_frame(channel_of(pid), ipc::FrameType::request)) return 0;
    return p.requests_to(pid).back();
}

// A request submitted now goes to worker `pid`, which answers it with
// `status`; true if the client got that answer.
bool serves(Pool& p, ProcessId pid, unsigned status) {
    const auto before = p.requests_to(pid).size();
    auto client = p.request();
    if (!eventually([&] { return p.requests_to(pid).size() > before; })) return false;
    p.answer(pid, p.requests_to(pid).back(), status);
    return starts_with_status(client->response(), status);
}

// A request starts the pool's `n`th worker (from 1), which becomes ready and
// serves it; the worker's pid, or nullopt if any of that did not happen.
std::optional<ProcessId> start_by_request(Pool& p, std::size_t n) {
    auto client = p.request();
    const auto pid = p.processes.nth(n);
    if (!pid) return std::nullopt;
    p.ready(*pid);
    if (!eventually([&] { return !p.requests_to(*pid).empty(); })) return std::nullopt;
    p.answer(*pid, p.requests_to(*pid).back(), 200);
    if (!starts_with_status(client->response(), 200)) return std::nullopt;
    return pid;
}

}  // namespace

TEST_CASE("AppPool: the first request starts a worker, which gets the config and then the request", "[app_pool]") {
    Pool p;
    auto client = p.request();
    const auto pid = p.processes.nth(1);
    REQUIRE(pid);
    const auto id = request_id_at(p, *pid);
    REQUIRE(id != 0);
    CHECK(test::sent_frames(channel_of(*pid)).front().type == ipc::FrameType::config);
    p.ready(*pid);
    p.answer(*pid, id, 200);
    CHECK(starts_with_status(client->response(), 200));
}

TEST_CASE("AppPool: an overlapped recycle serves from the old worker until the new one is ready", "[app_pool]") {
    Pool p;
    const auto old_pid = start_by_request(p, 1);
    REQUIRE(old_pid);

    const auto result = p.pool->recycle(RecycleMode::overlapped, "test");
    CHECK(result.started());
    const auto new_pid = p.processes.nth(2);
    REQUIRE(new_pid);
    CHECK(p.pool_state() == "recycling");

    // Not ready yet: the old worker still takes requests.
    auto during = p.request();
    CHECK(eventually([&] { return p.requests_to(*old_pid).size() == 2; }));
    p.ready(*new_pid);
    REQUIRE(p.sent_drain(*old_pid));  // taken over: the old one drains
    CHECK(p.requests_to(*new_pid).empty());

    CHECK(serves(p, *new_pid, 201));
}

TEST_CASE("AppPool: an immediate recycle drains the old worker at once and answers 503 until the new one is ready", "[app_pool]") {
    Pool p;
    const auto old_pid = start_by_request(p, 1);
    REQUIRE(old_pid);

    CHECK(p.pool->recycle(RecycleMode::immediate, "test").started());
    CHECK(p.sent_drain(*old_pid));
    const auto new_pid = p.processes.nth(2);
    REQUIRE(new_pid);

    auto in_the_gap = p.request();
    CHECK(starts_with_status(in_the_gap->response(), 503));
    CHECK(p.requests_to(*new_pid).empty());

    p.ready(*new_pid);
    CHECK(serves(p, *new_pid, 200));
}

TEST_CASE("AppPool: a crashed worker's request gets 502 and the next request starts a new worker", "[app_pool]") {
    Pool p;
    auto lost = p.request();
    const auto pid = p.processes.nth(1);
    REQUIRE(pid);
    p.ready(*pid);
    REQUIRE(request_id_at(p, *pid) != 0);
    p.processes.end(*pid, {true, 11});

    CHECK(starts_with_status(lost->response(), 502));
    const auto crash = p.event(EventKind::worker_crash);
    REQUIRE(crash);
    CHECK_THAT(crash->detail, Catch::Contains("1 request(s) lost"));

    CHECK(start_by_request(p, 2));
}

TEST_CASE("AppPool: rapid-fail protection stops the pool after too many crashes, until reset", "[app_pool]") {
    AppPoolOptions options;
    options.rapid_fail_crashes = 2;
    Pool p(options);
    for (std::size_t n = 1; n <= 2; ++n) {
        auto client = p.request();
        const auto pid = p.processes.nth(n);
        REQUIRE(pid);
        REQUIRE(request_id_at(p, *pid) != 0);
        p.processes.end(*pid, {false, 3});
        REQUIRE(starts_with_status(client->response(), 502));
    }
    REQUIRE(p.event(EventKind::pool_stop));
    auto refused = p.request();
    CHECK(starts_with_status(refused->response(), 503));
    CHECK_THAT(refused->response(), Catch::Contains("rapid-fail"));
    CHECK(p.processes.spawned().size() == 2);
    CHECK_THAT(p.pool_state(), Catch::StartsWith("stopped"));

    CHECK(p.pool->reset().started());
    CHECK(start_by_request(p, 3));
}

TEST_CASE("AppPool: a worker that stops answering pings is replaced, then killed", "[app_pool]") {
    AppPoolOptions options;
    options.ping_interval = 10ms;
    options.ping_timeout = 10ms;
    Pool p(options);
    p.pool->start_worker_now();
    const auto hung = p.processes.nth(1);
    REQUIRE(hung);
    p.ready(*hung);
    REQUIRE(test::wait_for_frame(channel_of(*hung), ipc::FrameType::ping));
    // It never answers: a recycle starts a replacement.
    const auto replacement = p.processes.nth(2);
    REQUIRE(replacement);
    const auto recycle = p.event(EventKind::recycle);
    REQUIRE(recycle);
    CHECK_THAT(recycle->detail, Catch::Contains("is hung"));

    p.ready(*replacement);
    // Retired with no grace: killed soon after its drain request.
    const auto kill = p.event(EventKind::worker_kill);
    REQUIRE(kill);
    CHECK(p.processes.killed(*hung));
    CHECK_THAT(kill->detail, Catch::Contains("stopped answering pings"));
}

// ---- --standby-worker ------------------------------------------------------------

namespace {

AppPoolOptions with_standby() {
    AppPoolOptions options;
    options.standby_worker = true;
    return options;
}

// The standby says it is configured and idle.
void standing_by(ProcessId pid) {
    test::deliver(channel_of(pid), frame(ipc::FrameType::standing_by, 0, [&](auto& f) {
        f.u32(static_cast<std::uint32_t>(pid)).str("");
    }));
}

bool config_says_standby(ProcessId pid) {
    // The config frame follows the spawn's return.
    if (!test::wait_for_frame(channel_of(pid), ipc::FrameType::config)) return false;
    const auto frames = test::sent_frames(channel_of(pid));
    return !frames.empty() && frames.front().type == ipc::FrameType::config &&
           worker_config_from_json(frames.front().body).standby;
}

std::string state_of(Pool& p, ProcessId pid) {
    for (const auto& w : p.pool->snapshot().workers)
        if (w.pid == static_cast<std::uint32_t>(pid)) return w.state;
    return "";
}

// A request starts the first worker, which serves it; then the standby
// starts and stands by. Their pids, or nullopt if any of that did not happen.
struct ServingAndStandby {
    ProcessId serving = 0, standby = 0;
};
std::optional<ServingAndStandby> serving_and_standby(Pool& p) {
    const auto first = start_by_request(p, 1);
    const auto standby = first ? p.processes.nth(2) : std::nullopt;
    if (!standby) return std::nullopt;
    standing_by(*standby);
    return ServingAndStandby{*first, *standby};
}

bool sent(ProcessId pid, ipc::FrameType type) {
    for (const auto& f : test::sent_frames(channel_of(pid)))
        if (f.type == type) return true;
    return false;
}

}  // namespace

TEST_CASE("AppPool: a standby starts once a worker serves, takes no request, and is a recycle's new worker at once", "[app_pool][standby]") {
    Pool p(with_standby());
    const auto workers = serving_and_standby(p);
    REQUIRE(workers);
    const auto first = &workers->serving;
    const auto standby = &workers->standby;
    CHECK(config_says_standby(*standby));
    CHECK_FALSE(config_says_standby(*first));
    CHECK(eventually([&] { return state_of(p, *standby) == "standby"; }));
    CHECK(state_of(p, *first) == "serving");

    // Requests keep going to the serving worker.
    CHECK(serves(p, *first, 200));
    CHECK(serves(p, *first, 200));
    CHECK(p.requests_to(*standby).empty());
    CHECK_FALSE(sent(*standby, ipc::FrameType::activate));

    // The recycle activates the standby instead of spawning.
    REQUIRE(p.pool->recycle(RecycleMode::overlapped, "test").started());
    CHECK(test::wait_for_frame(channel_of(*standby), ipc::FrameType::activate));
    CHECK(p.processes.spawned().size() == 2);
    p.ready(*standby);
    REQUIRE(p.sent_drain(*first));
    CHECK(serves(p, *standby, 201));

    // A new standby follows the takeover.
    const auto next = p.processes.nth(3);
    REQUIRE(next);
    CHECK(config_says_standby(*next));
}

TEST_CASE("AppPool: a standby that dies is replaced after a growing back-off and does not count toward rapid-fail", "[app_pool][standby]") {
    AppPoolOptions options = with_standby();
    options.rapid_fail_crashes = 2;
    Pool p(options);
    REQUIRE(start_by_request(p, 1));
    std::vector<std::chrono::steady_clock::duration> waits;
    for (std::size_t n = 2; n <= 4; ++n) {
        const auto standby = p.processes.nth(n);
        REQUIRE(standby);
        standing_by(*standby);
        const auto died = std::chrono::steady_clock::now();
        p.processes.end(*standby, {true, 9});
        REQUIRE(p.processes.nth(n + 1));
        waits.push_back(std::chrono::steady_clock::now() - died);
    }
    // 100, 200, 400 ms: each wait at least its back-off, so no spawn loop.
    CHECK(waits[0] >= kStandbyRetryFirst);
    CHECK(waits[1] >= 2 * kStandbyRetryFirst);
    CHECK(waits[2] >= 4 * kStandbyRetryFirst);
    CHECK(p.pool_state() == "running");
    const auto crash = p.event(EventKind::worker_crash);
    REQUIRE(crash);
    CHECK_THAT(crash->detail, Catch::StartsWith("standby worker"));
}

TEST_CASE("AppPool: after a crash the next request goes to the standby, activated, and a new standby follows", "[app_pool][standby]") {
    Pool p(with_standby());
    const auto workers = serving_and_standby(p);
    REQUIRE(workers);
    const auto standby = &workers->standby;
    p.processes.end(workers->serving, {true, 11});
    REQUIRE(p.event(EventKind::worker_crash));

    // The next request goes to the standby, activated; no new spawn for it.
    auto client = p.request();
    REQUIRE(test::wait_for_frame(channel_of(*standby), ipc::FrameType::activate));
    p.ready(*standby);
    REQUIRE(request_id_at(p, *standby) != 0);
    p.answer(*standby, p.requests_to(*standby).back(), 200);
    CHECK(starts_with_status(client->response(), 200));

    const auto next = p.processes.nth(3);
    REQUIRE(next);
    CHECK(config_says_standby(*next));
}
