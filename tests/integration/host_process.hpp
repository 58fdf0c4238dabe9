#pragma once
// A real isapi-host child process for integration tests: spawned with given
// arguments, stdout captured line by line, ready once it prints
// `listening on http://ADDR:PORT`, and always stopped on teardown (SIGTERM,
// then SIGKILL after a grace period).
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace isapi::itest {

// "exit code N" or "signal NAME" for a waitpid status.
std::string describe_wait_status(int status);

class HostProcess {
public:
    // Starts `executable` with `args` and waits up to `ready_timeout` for the
    // listening line. Throws std::runtime_error (with the host's stderr) if it
    // exits or stays silent.
    HostProcess(const std::string& executable, std::vector<std::string> args,
                std::chrono::milliseconds ready_timeout = std::chrono::seconds(10));
    ~HostProcess();  // stop(), ignoring the result
    HostProcess(const HostProcess&) = delete;
    HostProcess& operator=(const HostProcess&) = delete;

    const std::string& address() const { return address_; }  // e.g. "127.0.0.1"
    std::uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }

    // Sends a signal to the host (e.g. SIGTERM to begin a graceful shutdown).
    void signal(int signo);

    // Waits up to `timeout` for the host to exit by itself. Returns its wait
    // status, or nullopt if it is still running.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);

    // SIGTERM, wait up to `grace`, then SIGKILL. Returns the wait status.
    int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));

    // False once the host has exited (reaping it if it just did).
    bool running();
    // "" while running, else how the host ended, e.g. "signal Segmentation fault".
    std::string exit_description();
    std::string stdout_text() const;
    std::string stderr_text() const;  // everything the host logged so far

private:
    void read_stdout();
    void release_resources();
    bool try_reap(int& status);

    pid_t pid_ = -1;
    bool exited_ = false;
    int exit_status_ = 0;
    int stdout_fd_ = -1;
    std::string stderr_path_;
    std::string address_;
    std::uint16_t port_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string stdout_;
    bool stdout_closed_ = false;
    std::thread reader_;
};

}  // namespace isapi::itest
