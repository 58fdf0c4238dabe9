#include <isapi/platform/thread_stacks.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

extern char** environ;

namespace isapi::platform {
namespace {

bool on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    if (!path) return false;
    std::string_view rest(path);
    while (!rest.empty()) {
        const auto colon = rest.find(':');
        const std::string folder(rest.substr(0, colon));
        rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
        if (!folder.empty() && ::access((folder + "/" + program).c_str(), X_OK) == 0) return true;
    }
    return false;
}

}  // namespace

// Cached: the hang detector asks on every extension call, and gettid is a
// system call. (A child forked without exec would see its parent's thread's
// id; such children run no extension code.)
std::uint64_t current_thread_id() {
    thread_local const auto id = static_cast<std::uint64_t>(::syscall(SYS_gettid));
    return id;
}

std::string all_thread_stacks(std::chrono::milliseconds limit) {
    if (!on_path("gdb")) return "(no thread stacks: gdb is not on PATH)";
    // A file, not a pipe: gdb stops every thread of this process, the
    // reader's included, so a full pipe would block it until the limit.
    const int out = ::memfd_create("isapi-thread-stacks", MFD_CLOEXEC);
    if (out < 0) return std::string("(no thread stacks: memfd_create: ") + std::strerror(errno) + ")";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out, STDERR_FILENO);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);  // a group of its own, to end it whole
    posix_spawnattr_setpgroup(&attributes, 0);
    const std::string pid = std::to_string(::getpid());
    // gdb stops every thread here, the one that would enforce `limit` too,
    // so processes of their own do: coreutils' timeout ends gdb at the limit
    // (and kills it 2 s later), and the shell then sends SIGCONT, since a
    // tracer that dies while attached leaves the threads it stopped stopped.
    const std::string limit_text = std::to_string(std::max<long long>(1, limit.count() / 1000)) + "s";
    const std::string gdb = "gdb -nx -batch -iex 'set debuginfod enabled off' -p " + pid +
                            " -ex 'set pagination off' -ex 'thread apply all bt'";
    const std::string script = (on_path("timeout") ? "timeout -k 2 " + limit_text + " " : std::string()) + gdb +
                               "; status=$?; kill -CONT " + pid + "; exit $status";
    std::vector<std::string> words{"sh", "-c", script};
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    // Under Yama's ptrace_scope 1 only a process's ancestors may attach.
    ::prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
    pid_t child = 0;
    const int spawned = posix_spawnp(&child, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (spawned != 0) {
        ::prctl(PR_SET_PTRACER, 0, 0, 0, 0);
        ::close(out);
        return std::string("(no thread stacks: cannot start gdb: ") + std::strerror(spawned) + ")";
    }
    // A backstop for a system without timeout (which this thread, stopped
    // while gdb is attached, can enforce only once gdb lets it run).
    const auto deadline = std::chrono::steady_clock::now() + limit + std::chrono::seconds(3);
    bool timed_out = false;
    int status = 0;
    for (;;) {
        const pid_t done = ::waitpid(child, &status, WNOHANG);
        if (done == child || (done < 0 && errno != EINTR)) break;
        if (std::chrono::steady_clock::now() >= deadline) {
            timed_out = true;
            ::kill(-child, SIGKILL);  // the shell, timeout and gdb
            while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
            }
            ::kill(::getpid(), SIGCONT);  // what the shell would have sent
            break;
        }
        ::usleep(20'000);
    }
    ::prctl(PR_SET_PTRACER, 0, 0, 0, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 124) timed_out = true;  // timeout's exit code
    std::string text;
    char buffer[8192];
    ::lseek(out, 0, SEEK_SET);
    for (ssize_t n; (n = ::read(out, buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(n));
    ::close(out);
    if (timed_out) text += "\n(gdb did not finish within " + std::to_string(limit.count()) + " ms)";
    return text;
}

}  // namespace isapi::platform
