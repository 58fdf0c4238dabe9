#pragma once
// An isapi-host the load generator starts and stops itself (for `swap` and
// `race`): spawned through the platform seam with its output kept in a
// file, ready once it has printed both of its addresses.
#include <chrono>
#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include <isapi/platform/process.hpp>

#include "loadgen/client/url.hpp"

namespace isapi::loadgen {

struct HostLaunch {
    std::string executable;                 // isapi-host
    std::vector<std::string> args;          // --listen/--admin are added (port 0, loopback)
    std::vector<std::string> env;           // NAME=value on top of ours
    std::string output_file;                // the host's stdout and stderr
    std::chrono::milliseconds startup_timeout{15'000};
};

class HostProcess {
public:
    // Starts the host and waits until it listens. Throws std::runtime_error
    // with the reason and the tail of the host's output when it cannot start,
    // exits early or stays silent past the timeout.
    explicit HostProcess(const HostLaunch& launch);
    ~HostProcess();  // stops the host if stop() was not called
    HostProcess(const HostProcess&) = delete;
    HostProcess& operator=(const HostProcess&) = delete;

    const Url& base() const { return base_; }    // http://127.0.0.1:PORT/
    const Url& admin() const { return admin_; }  // http://127.0.0.1:PORT/
    platform::ProcessId pid() const { return pid_; }
    const std::string& output_file() const { return output_file_; }
    // Everything the host has written to its output so far.
    std::string output() const;

    // SIGTERM, then waits up to `grace` for a clean exit before killing.
    // Returns how it ended (exit code 3 means the host found lifecycle bugs at
    // shutdown, e.g. requests still pending).
    platform::ExitStatus stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10'000));

private:
    platform::ProcessId pid_ = 0;
    std::string output_file_;
    Url base_;
    Url admin_;
    std::future<platform::ExitStatus> reaped_;  // the reaper thread's result
    std::optional<platform::ExitStatus> ended_;
};

// The isapi-host to run: `explicit_path` if given, else $ISAPI_HOST, else the
// one beside this executable or in the build tree's ../host/. Throws
// std::runtime_error listing where it looked.
std::string locate_host_executable(const std::string& explicit_path);

// The last `max_lines` lines of a text file (for error messages).
std::string tail_of_file(const std::string& path, std::size_t max_lines = 12);

}  // namespace isapi::loadgen
