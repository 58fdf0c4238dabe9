#pragma once
// The OS seam for worker processes: start a child with a private IPC channel,
// kill it, and wait for it to end (fork/exec and waitpid on POSIX,
// CreateProcess and WaitForSingleObject on Windows later).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace isapi::platform {

using ProcessId = std::int64_t;

// One end of a connected, bidirectional byte stream between two processes.
// POSIX: an AF_UNIX stream socket descriptor (close-on-exec); Windows later:
// a named-pipe HANDLE. The owner adopts it (e.g. into an Asio socket).
using NativeChannel = std::intptr_t;
inline constexpr NativeChannel kNoChannel = -1;

// How a process ended.
struct ExitStatus {
    bool signaled = false;  // killed by a signal (POSIX) rather than exiting
    int code = 0;           // the exit code, or the signal number
    // "exited with code 3", "killed by signal 11 (SIGSEGV)"
    std::string describe() const;
};

struct ChildProcess {
    ProcessId pid = 0;
    NativeChannel channel = kNoChannel;  // the parent's end
};

class ProcessControl {
public:
    virtual ~ProcessControl() = default;

    // Starts `executable` with `args` (argv[1]...). A channel is created; the
    // child inherits its end, and every argument equal to "{channel}" is
    // replaced by that end's number, for the child to adopt(). No other
    // descriptor or handle of this process leaks into the child. `env`
    // entries ("NAME=value") are set in the child on top of this process's
    // environment. The child's standard input is the null device. A
    // non-empty `output_file` receives the child's standard output and error
    // (created or truncated); otherwise it shares ours.
    // nullopt on failure, with the OS's reason in `error`.
    virtual std::optional<ChildProcess> spawn(const std::string& executable, const std::vector<std::string>& args,
                                              const std::vector<std::string>& env, std::string& error,
                                              const std::string& output_file = {}) = 0;

    // Ends the process forcibly, now (SIGKILL). False on failure, with the reason.
    virtual bool kill(ProcessId pid, std::string& error) = 0;

    // Asks the process to shut down gracefully (SIGTERM; on Windows later, a
    // console control event). False on failure, with the reason.
    virtual bool terminate(ProcessId pid, std::string& error) = 0;

    // Blocks until the process has ended, reaps it, and says how it ended.
    // Call it exactly once per spawned child, from any one thread.
    virtual ExitStatus wait(ProcessId pid) = 0;
};

// The real implementation for this OS.
ProcessControl& system_process_control();

// The running executable's own path (for re-executing itself as a worker).
std::string current_executable();

ProcessId current_process_id();

// The channel a parent passed as "{channel}": parses the number; nullopt if
// it is not one.
std::optional<NativeChannel> adopt_channel(const std::string& argument);

// Closes a channel end that was never adopted.
void close_channel(NativeChannel channel);

}  // namespace isapi::platform
