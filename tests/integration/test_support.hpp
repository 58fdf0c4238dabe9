#pragma once
// Shared helpers for the integration tests: where the built programs are,
// starting a host with sample mappings, scratch folders, and polling.
#include "http_client.hpp"

#include <isapi/contract/host_process.hpp>
#include <isapi/platform/process.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace isapi::itest {

// Every test drives its hosts through the one class the load generator uses
// too; POSIX-only signals (SIGHUP, SIGSTOP) the tests send themselves, to pid().
using host_control::HostProcess;

// Paths of the built programs, passed in by CMake ($<TARGET_FILE:...>).
struct Built {
    static constexpr const char* host = ISAPI_HOST_EXE;
    static constexpr const char* hello = ISAPI_SAMPLE_HELLO;
    static constexpr const char* echo = ISAPI_SAMPLE_ECHO;
    static constexpr const char* async = ISAPI_SAMPLE_ASYNC;
    static constexpr const char* redirect = ISAPI_SAMPLE_REDIRECT;
    static constexpr const char* transmit = ISAPI_SAMPLE_TRANSMIT;
    static constexpr const char* version_v1 = ISAPI_SAMPLE_VERSION_V1;
    static constexpr const char* version_v2 = ISAPI_SAMPLE_VERSION_V2;
    static constexpr const char* slow = ISAPI_SAMPLE_SLOW;
    static constexpr const char* crash = ISAPI_SAMPLE_CRASH;
    static constexpr const char* stuck = ISAPI_SAMPLE_STUCK;
};

// `--map URL=PATH[,mode]`, as two arguments.
inline std::vector<std::string> map_arg(const std::string& url, const std::string& path, const std::string& mode = "")
{
    return {"--map", url + "=" + path + (mode.empty() ? "" : "," + mode)};
}

// Starts the built isapi-host with exactly `args`, its output in a
// temporary file; returns once it listens, and once it has printed its admin
// address too when `args` ask for one (--admin). Throws, with the host's
// last output lines, when it does not get that far.
std::unique_ptr<HostProcess> spawn_host(std::vector<std::string> args);

// The options for one way of running extensions: "inproc", "process" (the
// front end relays), or "handoff" (worker processes that are handed the
// connections, the default where it works). Both worker modes are named
// explicitly, so each test runs the way it says on every OS.
inline std::vector<std::string> isolation_args(const std::string& mode)
{
    if (mode == "handoff") return {"--isolation", "process", "--handoff"};
    if (mode == "process") return {"--isolation", "process", "--no-handoff"};
    return {"--isolation", mode};
}

// Starts isapi-host on a free loopback port with the given mappings and
// options: in process, unless ISAPI_TEST_ISOLATION says process or handoff
// (ctest runs the sample suite all three ways, so each sample is proven
// through the worker channel and on a handed-over connection too).
inline std::unique_ptr<HostProcess> start_host(std::vector<std::string> args)
{
    const char* isolation = std::getenv("ISAPI_TEST_ISOLATION");
    std::vector<std::string> all = isolation_args(isolation ? isolation : "inproc");
    all.insert(all.end(), {"--listen", "127.0.0.1:0", "--log-level", "warn"});
    all.insert(all.end(), args.begin(), args.end());
    return spawn_host(std::move(all));
}

// Starts a host with every sample mapped at /<name>.dll.
inline std::unique_ptr<HostProcess> start_host_with_samples(std::vector<std::string> extra = {})
{
    std::vector<std::string> args;
    auto add = [&args](const std::string& url, const char* path) {
        auto pair = map_arg(url, path);
        args.insert(args.end(), pair.begin(), pair.end());
    };
    add("/hello.dll", Built::hello);
    add("/echo.dll", Built::echo);
    add("/async.dll", Built::async);
    add("/redirect.dll", Built::redirect);
    add("/transmit.dll", Built::transmit);
    add("/v1.dll", Built::version_v1);
    add("/v2.dll", Built::version_v2);
    add("/slow.dll", Built::slow);
    args.insert(args.end(), extra.begin(), extra.end());
    return start_host(std::move(args));
}

inline HttpClient client_for(const HostProcess& host) { return HttpClient(host.address(), host.port()); }

// client.get(target), but a network failure caused by the host dying (a crash
// in an extension or in the host) is reported as exactly that.
HttpResponse get_from_live_host(const HostProcess& host, HttpClient& client, const std::string& target);

// How a process that exited with `code` is described, to compare with
// ExitStatus::describe() (a failed check then shows both).
inline std::string exited_with(int code) { return platform::ExitStatus{false, code}.describe(); }

// Polls the admin API's isapi_requests_in_flight until it is at least
// `count` (the host was started with --admin): the condition a test waits
// for before it acts on requests that are running.
bool wait_for_requests_in_flight(const HostProcess& host, double count, std::chrono::milliseconds timeout);

// A scratch folder, removed with everything in it.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path write(const std::string& name, const std::string& content) const;

private:
    std::filesystem::path path_;
};

// Polls `condition` every 10 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// True while the file at `path` is mapped into process `pid` (/proc/PID/maps).
bool module_mapped(platform::ProcessId pid, const std::filesystem::path& path);

// Deterministic pseudo-random bytes, zeros and high bytes included.
std::string pattern_bytes(std::size_t size, unsigned seed);

}  // namespace isapi::itest
