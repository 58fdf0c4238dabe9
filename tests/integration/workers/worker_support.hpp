#pragma once
// Helpers for the worker-process tests: a real isapi-host with
// --isolation process and an admin port, the build identity of a response,
// the admin API (events, metrics, status, recycle), failure injection through
// the environment, and a bounded multi-connection load driver.
#include "admin_text.hpp"
#include "test_support.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace isapi::itest::workers {

// `X-Isapi-Build: version_v1.so; sha256=cd74a1504705; pid=29447; worker=1; load=5`, parsed.
struct Build {
    std::string module;
    std::string sha256;
    long pid = 0;
    std::uint64_t generation = 0;  // worker=
    std::uint64_t load = 0;
};
std::optional<Build> build_of(const HttpResponse& response);

// Sets an environment variable for the processes started while it lives
// (the host inherits the test's environment), and restores it afterwards.
class ScopedEnv {
public:
    ScopedEnv(std::string name, const std::string& value);
    ~ScopedEnv();
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    std::string name_;
    std::optional<std::string> previous_;
};


// A worker-process isapi-host on free loopback ports, with its admin API.
class WorkerHost {
public:
    // Adds --isolation process, --listen 127.0.0.1:0, --admin 127.0.0.1:0,
    // --log-level info and, unless `args` has one, --shutdown-time-limit 2000
    // (so that teardown never waits long).
    explicit WorkerHost(std::vector<std::string> args);

    HostProcess& process() { return *process_; }
    std::uint16_t port() const { return process_->port(); }
    std::uint16_t admin_port() const { return process_->admin_port(); }

    // One request on a fresh connection.
    HttpResponse get(const std::string& target, std::chrono::milliseconds timeout = std::chrono::seconds(5));
    HttpClient client(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

    HttpResponse admin(const std::string& method, const std::string& target);
    HttpResponse recycle(const std::string& mode) { return admin("POST", "/_isapi/recycle?mode=" + mode); }
    std::vector<nlohmann::json> events(std::uint64_t since = 0);
    std::uint64_t last_event_seq();
    std::string metrics();
    nlohmann::json status();

    // Polls the events (after `since`) until one satisfies `match`; returns it.
    std::optional<nlohmann::json> wait_for_event(const std::function<bool(const nlohmann::json&)>& match,
                                                 std::chrono::milliseconds timeout, std::uint64_t since = 0);

    // The host's output and every event, for INFO() when something fails.
    std::string diagnostics();

private:
    std::unique_ptr<HostProcess> process_;
};

// `--map URL=PATH`, plus more arguments.
std::vector<std::string> args(std::initializer_list<std::vector<std::string>> parts);

// True if the event is of `kind` and came from worker generation `generation` (0: any).
bool is_event(const nlohmann::json& event, const std::string& kind, std::uint64_t generation = 0);
std::string text_of(const nlohmann::json& event, const char* field);

// True while a process with this pid exists and is not a zombie.
bool process_alive(long pid);

// Copies `from` over `to` in place: opens `to` with truncation and writes
// the bytes, in `pieces` writes with `pause` between them (same inode).
void overwrite_in_place(const std::filesystem::path& from, const std::filesystem::path& to, int pieces = 1,
                        std::chrono::milliseconds pause = std::chrono::milliseconds(0),
                        const std::function<void()>& between = {});

// What one response, or one failed attempt, looked like.
struct Observation {
    unsigned status = 0;          // 0: a network error (see error)
    std::string version;          // X-Sample-Version
    std::optional<Build> build;   // X-Isapi-Build
    std::string body;
    std::string error;
    bool timed_out = false;       // no answer within the request timeout
};

// N client threads, each on its own keep-alive connection, sending GET
// `target` back to back until stop(), `max_requests` each, or `max_duration`.
// A connection the host closes is reopened for the next request. A load
// that must outlast a recycle needs `max_duration` to end it, not the count:
// one connection gets 25,000 hello responses a second from a fast machine.
class LoadDriver {
public:
    LoadDriver(const WorkerHost& host, std::string target, std::size_t connections, std::size_t max_requests,
               std::chrono::milliseconds max_duration, std::chrono::milliseconds request_timeout = std::chrono::seconds(5));
    ~LoadDriver();  // stop()
    LoadDriver(const LoadDriver&) = delete;
    LoadDriver& operator=(const LoadDriver&) = delete;

    void stop();  // and join
    bool running() const;

    // Copies of what each connection saw so far.
    std::vector<std::vector<Observation>> snapshot() const;
    // True when `condition` holds for every connection's observations.
    bool every_connection(const std::function<bool(const std::vector<Observation>&)>& condition) const;
    // Polls every_connection until it holds, the driver ends, or `timeout`.
    bool wait_every_connection(const std::function<bool(const std::vector<Observation>&)>& condition,
                               std::chrono::milliseconds timeout) const;

private:
    void run(std::size_t index);

    std::string address_;
    std::uint16_t port_;
    std::string target_;
    std::size_t max_requests_;
    std::chrono::steady_clock::time_point deadline_;
    std::chrono::milliseconds request_timeout_;
    std::atomic<bool> stop_{false};
    std::atomic<std::size_t> active_{0};
    mutable std::mutex mutex_;
    std::vector<std::vector<Observation>> seen_;
    std::vector<std::thread> threads_;
};

// Number of observations on one connection that satisfy `condition`.
std::size_t count_if(const std::vector<Observation>& seen, const std::function<bool(const Observation&)>& condition);
// A readable list of a connection's observations (status/version/generation).
std::string describe(const std::vector<Observation>& seen, std::size_t max = 400);

}  // namespace isapi::itest::workers
