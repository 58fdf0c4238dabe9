#include "host_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace isapi::itest {
std::string describe_wait_status(int status)
{
    if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return std::string("signal ") + ::strsignal(WTERMSIG(status));
    return "status " + std::to_string(status);
}

HostProcess::HostProcess(const std::string& executable, std::vector<std::string> args,
                         std::chrono::milliseconds ready_timeout)
{
    char stderr_template[] = "/tmp/isapi-itest-stderr.XXXXXX";
    int stderr_fd = ::mkstemp(stderr_template);
    if (stderr_fd < 0) throw std::runtime_error("mkstemp failed");
    stderr_path_ = stderr_template;

    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
        ::close(stderr_fd);
        throw std::runtime_error("pipe2 failed");
    }

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, stderr_fd, STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);

    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(executable.c_str()));
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    const int rc = ::posix_spawn(&pid_, executable.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    ::close(stderr_fd);
    if (rc != 0) {
        ::close(pipe_fds[0]);
        pid_ = -1;
        throw std::runtime_error("cannot spawn " + executable + ": " + std::strerror(rc));
    }
    stdout_fd_ = pipe_fds[0];
    reader_ = std::thread([this] { read_stdout(); });

    // Wait for the listening line, or for the host to give up.
    static const std::regex listening(R"(listening on http://([^\s:]+|\[[^\]]+\]):(\d+))");
    const auto deadline = std::chrono::steady_clock::now() + ready_timeout;
    std::unique_lock lock(mutex_);
    std::smatch match;
    while (!std::regex_search(stdout_, match, listening)) {
        if (stdout_closed_ || changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
            if (std::regex_search(stdout_, match, listening)) break;
            lock.unlock();
            const int status = stop(std::chrono::milliseconds(500));
            const std::string message = "isapi-host did not print 'listening on' (" + describe_wait_status(status) +
                                        ")\nstdout: " + stdout_text() + "\nstderr: " + stderr_text();
            release_resources();  // no destructor runs after a constructor throws
            throw std::runtime_error(message);
        }
    }
    address_ = match[1].str();
    port_ = static_cast<std::uint16_t>(std::stoi(match[2].str()));
}

HostProcess::~HostProcess()
{
    stop();
    release_resources();
}

void HostProcess::release_resources()
{
    // The host is gone, so its end of the pipe is closed and the reader ends.
    if (reader_.joinable()) reader_.join();
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
    stdout_fd_ = -1;
    if (!stderr_path_.empty()) ::unlink(stderr_path_.c_str());
    stderr_path_.clear();
}

void HostProcess::read_stdout()
{
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        std::lock_guard lock(mutex_);
        if (n <= 0) {
            stdout_closed_ = true;
            changed_.notify_all();
            return;
        }
        stdout_.append(buffer, static_cast<std::size_t>(n));
        changed_.notify_all();
    }
}

void HostProcess::signal(int signo)
{
    if (running()) ::kill(pid_, signo);
}

bool HostProcess::running()
{
    int status = 0;
    return pid_ > 0 && !try_reap(status);
}

bool HostProcess::try_reap(int& status)
{
    if (exited_) {
        status = exit_status_;
        return true;
    }
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        exited_ = true;
        exit_status_ = status;
        return true;
    }
    return false;
}

std::optional<int> HostProcess::wait_exit(std::chrono::milliseconds timeout)
{
    if (pid_ <= 0) return std::nullopt;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (!try_reap(status)) {
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status;
}

int HostProcess::stop(std::chrono::milliseconds grace)
{
    if (pid_ <= 0) return 0;
    if (!exited_) {
        ::kill(pid_, SIGTERM);
        if (auto status = wait_exit(grace)) return *status;
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        exited_ = true;
        exit_status_ = status;
    }
    return exit_status_;
}

std::string HostProcess::exit_description()
{
    int status = 0;
    if (pid_ <= 0 || !try_reap(status)) return "";
    return describe_wait_status(status);
}

std::string HostProcess::stdout_text() const
{
    std::lock_guard lock(mutex_);
    return stdout_;
}

std::string HostProcess::stderr_text() const
{
    std::ifstream in(stderr_path_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace isapi::itest
