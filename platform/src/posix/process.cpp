#include <isapi/platform/faults.hpp>
#include <isapi/platform/process.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>

extern char** environ;

namespace isapi::platform {
namespace {

// The child always finds its end of the channel here, whatever number it had
// in the parent; everything above it is closed in the child.
constexpr int kChildChannelFd = 3;

std::string os_error(int code) { return std::strerror(code); }

std::string_view variable_name(std::string_view entry) { return entry.substr(0, entry.find('=')); }

// This process's environment with `overrides` set on top ("NAME=value").
std::vector<std::string> child_environment(const std::vector<std::string>& overrides) {
    std::vector<std::string> result;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view name = variable_name(*entry);
        bool overridden = false;
        for (const auto& o : overrides) overridden = overridden || variable_name(o) == name;
        if (!overridden) result.emplace_back(*entry);
    }
    result.insert(result.end(), overrides.begin(), overrides.end());
    return result;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    pointers.reserve(strings.size() + 1);
    for (auto& s : strings) pointers.push_back(s.data());
    pointers.push_back(nullptr);
    return pointers;
}

// posix_spawn's attribute and file-action objects, destroyed on every path.
struct SpawnSetup {
    posix_spawnattr_t attributes{};
    posix_spawn_file_actions_t actions{};
    SpawnSetup() {
        ::posix_spawnattr_init(&attributes);
        ::posix_spawn_file_actions_init(&actions);
    }
    ~SpawnSetup() {
        ::posix_spawn_file_actions_destroy(&actions);
        ::posix_spawnattr_destroy(&attributes);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;

    // Returns 0 or the errno of the first step that failed.
    int prepare(int child_end, const std::string& output_file) {
        // The child starts clean: no blocked signals, and no dispositions
        // (SIG_IGN survives exec) inherited from the host.
        sigset_t none;
        sigset_t all;
        ::sigemptyset(&none);
        ::sigfillset(&all);
        if (int rc = ::posix_spawnattr_setsigmask(&attributes, &none)) return rc;
        if (int rc = ::posix_spawnattr_setsigdefault(&attributes, &all)) return rc;
        if (int rc = ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            return rc;
        // dup2 onto a different number always clears close-on-exec on the
        // copy (dup2 of a descriptor onto itself would not, on older libcs),
        // so the parent keeps child_end above kChildChannelFd. closefrom then
        // closes everything else, including descriptors other threads opened
        // without O_CLOEXEC (listening sockets, log files).
        if (int rc = ::posix_spawn_file_actions_adddup2(&actions, child_end, kChildChannelFd)) return rc;
        // A child reads nothing from the host's stdin. And when the host was
        // started with stdin closed, descriptor 0 is whatever the host opened
        // first (a module, a socket), which the child must not get.
        if (int rc = ::posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)) return rc;
        if (!output_file.empty()) {
            if (int rc = ::posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output_file.c_str(),
                                                            O_WRONLY | O_CREAT | O_TRUNC, 0644))
                return rc;
            if (int rc = ::posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO)) return rc;
        }
        return ::posix_spawn_file_actions_addclosefrom_np(&actions, kChildChannelFd + 1);
    }
};

// A connected pair, both ends close-on-exec; the child's end numbered above
// kChildChannelFd (see SpawnSetup::prepare). Returns 0 or the errno.
int make_channel(int& parent_end, int& child_end) {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) return errno;
    child_end = ::fcntl(ends[1], F_DUPFD_CLOEXEC, kChildChannelFd + 1);
    const int code = errno;
    ::close(ends[1]);
    if (child_end >= 0) {
        parent_end = ends[0];
        return 0;
    }
    ::close(ends[0]);
    return code;
}

class PosixProcessControl final : public ProcessControl {
public:
    std::optional<ChildProcess> spawn(const std::string& executable, const std::vector<std::string>& args,
                                      const std::vector<std::string>& env, std::string& error,
                                      const std::string& output_file) override {
        if (fault_injected("spawn")) {
            error = "injected fault: spawn (ISAPI_FAULTS)";
            return std::nullopt;
        }
        int parent_end = -1;
        int child_end = -1;
        if (const int code = make_channel(parent_end, child_end)) {
            error = "cannot create a channel for " + executable + ": " + os_error(code);
            return std::nullopt;
        }

        std::vector<std::string> argv_strings{executable};
        for (const auto& arg : args) {
            argv_strings.push_back(arg == "{channel}" ? std::to_string(kChildChannelFd) : arg);
        }
        std::vector<std::string> env_strings = child_environment(env);
        auto argv = c_strings(argv_strings);
        auto envp = c_strings(env_strings);

        SpawnSetup setup;
        pid_t pid = 0;
        // glibc's posix_spawn reports a failed exec (ENOENT, EACCES, ENOEXEC)
        // as its result, so no error pipe is needed. No PATH search: the
        // caller names the file.
        int rc = setup.prepare(child_end, output_file);
        if (rc == 0) {
            rc = ::posix_spawn(&pid, executable.c_str(), &setup.actions, &setup.attributes, argv.data(),
                               envp.data());
        }
        ::close(child_end);
        if (rc != 0) {
            ::close(parent_end);
            error = "cannot start " + executable + ": " + os_error(rc);
            return std::nullopt;
        }
        return ChildProcess{pid, parent_end};
    }

    bool kill(ProcessId pid, std::string& error) override {
        if (fault_injected("kill")) {
            error = "injected fault: kill (ISAPI_FAULTS)";
            return false;
        }
        if (::kill(static_cast<pid_t>(pid), SIGKILL) == 0) return true;
        const int code = errno;
        error = "cannot kill process " + std::to_string(pid) + ": " + os_error(code);
        return false;
    }

    bool terminate(ProcessId pid, std::string& error) override {
        if (::kill(static_cast<pid_t>(pid), SIGTERM) == 0) return true;
        const int code = errno;
        error = "cannot stop process " + std::to_string(pid) + ": " + os_error(code);
        return false;
    }

    ExitStatus wait(ProcessId pid) override {
        int status = 0;
        pid_t rc = 0;
        do {
            rc = ::waitpid(static_cast<pid_t>(pid), &status, 0);
        } while (rc < 0 && errno == EINTR);
        // Not our child, or already reaped: report an exit code no process
        // can have, rather than a made-up success.
        if (rc < 0) return ExitStatus{false, -1};
        if (WIFSIGNALED(status)) return ExitStatus{true, WTERMSIG(status)};
        return ExitStatus{false, WEXITSTATUS(status)};
    }
};

}  // namespace

std::string ExitStatus::describe() const {
    if (!signaled) return "exited with code " + std::to_string(code);
    std::string text = "killed by signal " + std::to_string(code);
    if (const char* abbrev = ::sigabbrev_np(code)) text += std::string(" (SIG") + abbrev + ")";
    return text;
}

ProcessControl& system_process_control() {
    static PosixProcessControl control;
    return control;
}

std::string current_executable() {
    // The link names the file even if it was renamed after start; empty if
    // /proc is not mounted.
    std::string path(4096, '\0');
    const ssize_t length = ::readlink("/proc/self/exe", path.data(), path.size());
    if (length <= 0 || static_cast<std::size_t>(length) >= path.size()) return {};
    path.resize(static_cast<std::size_t>(length));
    return path;
}

ProcessId current_process_id() { return ::getpid(); }

std::optional<NativeChannel> adopt_channel(const std::string& argument) {
    int fd = -1;
    const char* end = argument.data() + argument.size();
    const auto [parsed_end, ec] = std::from_chars(argument.data(), end, fd);
    if (argument.empty() || ec != std::errc{} || parsed_end != end || fd < 0) return std::nullopt;
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0) return std::nullopt;
    // The channel arrived without close-on-exec; an adopted channel must not
    // leak into this process's own children.
    ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    return fd;
}

void close_channel(NativeChannel channel) {
    if (channel != kNoChannel) ::close(static_cast<int>(channel));
}

}  // namespace isapi::platform
