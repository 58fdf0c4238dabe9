#pragma once
// One isapi-host child process, for every program that starts a host to
// drive it: the integration tests and isapi-loadgen (`swap`, `race`). The
// host is spawned through the platform seam with its stdout and stderr in
// one file, and is ready once it has printed its listening line (and its
// admin line, when asked). A single reaper thread waits for it, so whoever
// holds the object can ask at any time whether and how it ended.
//
// Only the platform seam is used, so this builds wherever the platform layer
// does. Signals other than a graceful stop and a kill (SIGHUP, SIGSTOP) are
// POSIX matters left to the caller, on pid().
#include <isapi/platform/process.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace isapi::host_control {

struct HostStart {
    std::string executable;               // the isapi-host to run
    std::vector<std::string> args;        // passed exactly as given
    std::vector<std::string> env;         // "NAME=value", on top of this process's environment
    std::string output_file;              // the host's stdout and stderr; empty: a temporary file,
                                          // removed when the HostProcess is destroyed
    std::chrono::milliseconds ready_timeout{15'000};
    bool wait_for_admin = false;          // ready only once the admin line is out too (args hold --admin)
};

class HostProcess {
public:
    // Starts the host and waits until it listens. Throws std::runtime_error
    // with the reason and the tail of the host's output when it cannot be
    // spawned, exits first, or prints nothing usable within the timeout; the
    // host is then gone.
    explicit HostProcess(HostStart start);
    // The same with every other HostStart field at its default.
    HostProcess(std::string executable, std::vector<std::string> args);
    ~HostProcess();  // stop(2 s) if it still runs
    HostProcess(const HostProcess&) = delete;
    HostProcess& operator=(const HostProcess&) = delete;

    // From the listening line: the bare address ("127.0.0.1", "::1") and port.
    const std::string& address() const { return address_; }
    std::uint16_t port() const { return port_; }
    // Whether the host serves HTTPS there (it was given --tls-cert).
    bool tls() const { return tls_; }
    // From the admin line; "" and 0 when the host had printed none when it
    // became ready.
    const std::string& admin_address() const { return admin_address_; }
    std::uint16_t admin_port() const { return admin_port_; }

    platform::ProcessId pid() const { return pid_; }
    const std::string& output_file() const { return output_file_; }
    // Everything the host has written to stdout and stderr so far.
    std::string output() const;

    bool running() const { return !exit_status(); }
    // How the host ended; nullopt while it runs.
    std::optional<platform::ExitStatus> exit_status() const;
    // "" while it runs, else e.g. "exited with code 3", "killed by signal 11 (SIGSEGV)".
    std::string exit_description() const;
    // Waits up to `timeout` for the host to end by itself; nullopt if it still runs.
    std::optional<platform::ExitStatus> wait_exit(std::chrono::milliseconds timeout) const;

    // Asks for a graceful stop (the host drains and exits). False once the
    // host has ended, or on failure.
    bool terminate();
    // Ends the host at once. False once it has ended, or on failure.
    bool kill();
    // terminate(), then up to `grace` for a clean exit, then kill(). Returns
    // how it ended (exit code 3: requests outlived the shutdown time limit).
    platform::ExitStatus stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10'000));

private:
    void await_ready(const HostStart& start);
    void read_addresses(const std::string& output, bool need_admin, bool& ready);
    void abandon();  // after a failed start: kill, reap, clean up
    bool send(bool graceful);

    platform::ProcessControl& processes_;
    platform::ProcessId pid_ = 0;
    std::string output_file_;
    bool owns_output_file_ = false;
    std::string address_;
    std::uint16_t port_ = 0;
    bool tls_ = false;
    std::string admin_address_;
    std::uint16_t admin_port_ = 0;

    mutable std::mutex mutex_;
    mutable std::condition_variable ended_changed_;
    std::optional<platform::ExitStatus> ended_;  // set once, by the reaper
    std::thread reaper_;
};

// The last `max_lines` lines of a text file, each indented (for error messages).
std::string tail_of_file(const std::string& path, std::size_t max_lines = 12);

}  // namespace isapi::host_control
