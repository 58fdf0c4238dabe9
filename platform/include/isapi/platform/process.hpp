#pragma once
// The OS seam for worker processes: start a child with a private IPC channel,
// kill it, ask it to stop, and wait for it to end (posix_spawn, signals and
// waitpid on POSIX; CreateProcessW in a job object, a named event and
// WaitForSingleObject on Windows). channel_stream.hpp adopts a channel end
// into Asio.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace isapi::platform {

using ProcessId = std::int64_t;

// One end of a connected, bidirectional byte stream between two processes.
// POSIX: an AF_UNIX stream socket descriptor (close-on-exec). Windows: a
// HANDLE to one end of a byte-mode named pipe opened for overlapped I/O (not
// inheritable once adopted), the value the HANDLE's bits make. The owner
// adopts it into Asio with adopt_channel_stream (channel_stream.hpp).
using NativeChannel = std::intptr_t;
inline constexpr NativeChannel kNoChannel = -1;

// The exit code ProcessControl::kill gives a process on Windows
// (TerminateProcess takes one): ERROR_PROCESS_ABORTED, "the process
// terminated unexpectedly". A process may exit with it by itself too; the
// caller knows which processes it killed.
inline constexpr int kKilledExitCode = 1067;

// How a process ended.
struct ExitStatus {
    bool signaled = false;  // killed by a signal (POSIX) rather than exiting; never on Windows
    int code = 0;           // the exit code (Windows: the DWORD's bits), or the signal number
    // POSIX: "exited with code 3", "killed by signal 11 (SIGSEGV)".
    // Windows: "exited with code 3", "crashed with 0xC0000005 (access
    // violation)", "killed (exit code 1067)".
    std::string describe() const;

    // Ended by a fault rather than by exiting: on POSIX any signal (SIGKILL
    // from kill() included); on Windows an NTSTATUS error (0xC0000000 and up:
    // access violation, stack overflow, ...) or a breakpoint (0x80000003),
    // but not 0xFFFFFFFF, which is exit(-1) (and wait's "no such child").
    // A process killed by kill() on Windows has not crashed: it exits with
    // kKilledExitCode.
    bool crashed() const {
#ifdef _WIN32
        const auto bits = static_cast<std::uint32_t>(code);
        return (bits >= 0xC0000000u && bits != 0xFFFFFFFFu) || bits == 0x80000003u;
#else
        return signaled;
#endif
    }
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
    // replaced by that end's number (Windows: the HANDLE's value, decimal),
    // for the child to adopt_channel(). No other descriptor or handle of this
    // process leaks into the child. `env` entries ("NAME=value") are set in
    // the child on top of this process's environment (Windows: names compare
    // without case). The child's standard input is the null device. A
    // non-empty `output_file` receives the child's standard output and error
    // (created or truncated); otherwise it shares ours.
    // No search: `executable` names the file, with its extension on Windows.
    // Windows: arguments are quoted so that CommandLineToArgvW (and the C
    // runtime's argv) give them back unchanged; the child runs in this
    // ProcessControl's job object, which ends it, and whatever it started in
    // turn, when this process ends, however it ends.
    // nullopt on failure, with the OS's reason in `error`.
    virtual std::optional<ChildProcess> spawn(const std::string& executable, const std::vector<std::string>& args,
                                              const std::vector<std::string>& env, std::string& error,
                                              const std::string& output_file = {}) = 0;

    // Ends the process forcibly, now (SIGKILL; Windows: TerminateProcess with
    // kKilledExitCode). A child that has ended but is not reaped yet counts
    // as killed. False on failure, with the reason.
    virtual bool kill(ProcessId pid, std::string& error) = 0;

    // Asks the process to shut down gracefully: SIGTERM on POSIX. Windows has
    // no signals: this sets the named event stop_event_name(pid), which the
    // target's StopSignals (stop_signals.hpp) creates and watches; a process
    // without one (not yet started that far, or not listening) cannot be
    // asked, and this returns false with that reason.
    // False on failure, with the reason.
    virtual bool terminate(ProcessId pid, std::string& error) = 0;

    // Blocks until the process has ended, reaps it, and says how it ended.
    // Call it exactly once per spawned child, from any one thread (Windows:
    // it closes the handle kept since spawn). A process that is not a child
    // of this ProcessControl, or was reaped already: exit code -1.
    virtual ExitStatus wait(ProcessId pid) = 0;
};

// The real implementation for this OS.
ProcessControl& system_process_control();

// The running executable's own path (for re-executing itself as a worker).
std::string current_executable();

ProcessId current_process_id();

// The channel a parent passed as "{channel}": parses the number (decimal,
// digits only); nullopt if it is not one or names no open descriptor (Windows:
// no pipe handle). The adopted end does not leak into this process's own
// children.
std::optional<NativeChannel> adopt_channel(const std::string& argument);

// Closes a channel end that was never adopted.
void close_channel(NativeChannel channel);

// The name of the event that terminate() sets for process `pid` on Windows,
// among the named objects of the caller's own logon ("Local" prefix), where
// StopSignals creates it. Empty on POSIX, where terminate() sends SIGTERM.
inline std::string stop_event_name([[maybe_unused]] ProcessId pid) {
#ifdef _WIN32
    return "Local\\isapi-harness-stop-" + std::to_string(pid);
#else
    return {};
#endif
}

}  // namespace isapi::platform
