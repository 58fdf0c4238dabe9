#include <isapi/platform/process.hpp>

#include "test_files.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>

using namespace isapi::platform;

namespace {

// Everything the child writes to the channel until it closes its end; fails
// the test instead of hanging if the end stays open (leaked to someone).
std::string read_until_closed(NativeChannel channel) {
    std::string text;
    for (;;) {
        pollfd p{static_cast<int>(channel), POLLIN, 0};
        const int ready = ::poll(&p, 1, 10'000);
        if (ready < 0 && errno == EINTR) continue;
        REQUIRE(ready == 1);
        char buffer[4096];
        const ssize_t n = ::read(static_cast<int>(channel), buffer, sizeof buffer);
        REQUIRE(n >= 0);
        if (n == 0) return text;
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

// Runs `/bin/sh -c script channel-number` and returns what the script wrote to
// `>&$0`, after checking that the shell exited with 0.
std::string run_shell(const std::string& script, const std::vector<std::string>& env = {}) {
    std::string error;
    auto child = system_process_control().spawn("/bin/sh", {"-c", script, "{channel}"}, env, error);
    INFO(error);
    REQUIRE(child);
    const std::string text = read_until_closed(child->channel);
    close_channel(child->channel);
    CHECK(system_process_control().wait(child->pid).describe() == "exited with code 0");
    return text;
}

using isapi::test::open_descriptor_count;

// Descriptors of this process without close-on-exec, as a careless library
// (or an older listener) would open it.
struct InheritableDescriptors {
    isapi::test::TempFolder folder;
    const std::string file_path = folder / "careless.txt";
    int file = (isapi::test::write_file(file_path, "careless\n"), ::open(file_path.c_str(), O_RDONLY));
    int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    InheritableDescriptors() {
        REQUIRE(file >= 0);
        REQUIRE(listener >= 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
        REQUIRE(::listen(listener, 1) == 0);
        REQUIRE((::fcntl(file, F_GETFD) & FD_CLOEXEC) == 0);
        REQUIRE((::fcntl(listener, F_GETFD) & FD_CLOEXEC) == 0);
    }
    ~InheritableDescriptors() {
        ::close(file);
        ::close(listener);
    }
};

}  // namespace

TEST_CASE("a child's exit code is reported as exited with that code", "[process]") {
    std::string error;
    auto child = system_process_control().spawn("/bin/sh", {"-c", "exit 3"}, {}, error);
    INFO(error);
    REQUIRE(child);
    close_channel(child->channel);
    const ExitStatus status = system_process_control().wait(child->pid);
    CHECK_FALSE(status.signaled);
    CHECK(status.code == 3);
    CHECK(status.describe() == "exited with code 3");
}

TEST_CASE("a child ended by a signal is described with the signal's number and name", "[process]") {
    std::string error;
    auto child = system_process_control().spawn("/bin/sh", {"-c", "ulimit -c 0; kill -SEGV $$"}, {}, error);
    INFO(error);
    REQUIRE(child);
    close_channel(child->channel);
    const ExitStatus status = system_process_control().wait(child->pid);
    CHECK(status.signaled);
    CHECK(status.code == 11);
    CHECK(status.describe() == "killed by signal 11 (SIGSEGV)");
}

TEST_CASE("{channel} becomes the child's end of the channel, which reaches the parent's end", "[process]") {
    CHECK(run_shell("echo \"hi on $0\" >&$0") == "hi on 3\n");
}

TEST_CASE("the parent can write to the child over the channel too", "[process]") {
    std::string error;
    const std::string script = "read line <&$0; echo \"got $line\" >&$0";
    auto child = system_process_control().spawn("/bin/sh", {"-c", script, "{channel}"}, {}, error);
    INFO(error);
    REQUIRE(child);
    const std::string question = "ping\n";
    REQUIRE(::write(static_cast<int>(child->channel), question.data(), question.size()) ==
            static_cast<ssize_t>(question.size()));
    CHECK(read_until_closed(child->channel) == "got ping\n");
    close_channel(child->channel);
    CHECK(system_process_control().wait(child->pid).describe() == "exited with code 0");
}

TEST_CASE("env entries are set in the child on top of the parent's environment", "[process]") {
    // The count comes from the shell's environment as exec'd (/proc/PID/environ):
    // the shell itself would hide a duplicate entry.
    ::setenv("ISAPI_TEST_INHERITED", "from parent", 1);
    ::setenv("ISAPI_TEST_OVERRIDDEN", "from parent", 1);
    const std::string seen = run_shell(
        "printf '%s|%s|%s|%s' \"$ISAPI_TEST_INHERITED\" \"$ISAPI_TEST_OVERRIDDEN\" \"$ISAPI_TEST_ADDED\" "
        "\"$(tr '\\0' '\\n' </proc/$$/environ | grep -c '^ISAPI_TEST_OVERRIDDEN=')\" >&$0",
        {"ISAPI_TEST_OVERRIDDEN=from spawn", "ISAPI_TEST_ADDED=also from spawn"});
    ::unsetenv("ISAPI_TEST_INHERITED");
    ::unsetenv("ISAPI_TEST_OVERRIDDEN");
    CHECK(seen == "from parent|from spawn|also from spawn|1");
}

TEST_CASE("no descriptor of the parent but the channel reaches the child, even without close-on-exec", "[process]") {
    InheritableDescriptors careless;
    // ls lists its own descriptor of /proc/self/fd too: it points into /proc.
    const std::string listing = run_shell("ls -l /proc/self/fd >&$0");
    std::set<int> inherited;
    std::istringstream lines(listing);
    for (std::string line; std::getline(lines, line);) {
        const auto arrow = line.find(" -> ");
        if (arrow == std::string::npos) continue;
        if (line.compare(arrow + 4, 6, "/proc/") == 0) continue;
        const auto name_start = line.rfind(' ', arrow - 1) + 1;
        inherited.insert(std::stoi(line.substr(name_start, arrow - name_start)));
    }
    INFO(listing);
    CHECK(inherited == std::set<int>{0, 1, 2, 3});
    CHECK(listing.find(" 0 -> /dev/null") != std::string::npos);
    // By what they are, not by number: with this process's stdin closed, the
    // careless file is descriptor 0 here (it reached the child as its stdin
    // until the child's stdin became the null device).
    struct stat listener{};
    REQUIRE(::fstat(careless.listener, &listener) == 0);
    CHECK(listing.find("socket:[" + std::to_string(listener.st_ino) + "]") == std::string::npos);
    CHECK(listing.find(careless.file_path) == std::string::npos);
}

TEST_CASE("spawning a missing executable fails with the OS's reason and leaks no descriptor", "[process]") {
    const std::size_t before = open_descriptor_count();
    std::string error;
    auto child = system_process_control().spawn("/nonexistent/isapi-worker", {"{channel}"}, {}, error);
    CHECK_FALSE(child);
    CHECK(error == "cannot start /nonexistent/isapi-worker: No such file or directory");
    CHECK(open_descriptor_count() == before);
}

TEST_CASE("spawning a file that is not executable fails with the OS's reason", "[process]") {
    isapi::test::TempFolder folder;
    const std::string text_file = folder / "notes.txt";
    isapi::test::write_file(text_file, "not a program\n");
    REQUIRE(::chmod(text_file.c_str(), 0644) == 0);
    std::string error;
    CHECK_FALSE(system_process_control().spawn(text_file, {}, {}, error));
    CHECK(error == "cannot start " + text_file + ": Permission denied");
}

TEST_CASE("kill ends a child at once and wait reports SIGKILL", "[process]") {
    std::string error;
    auto child = system_process_control().spawn("/bin/sh", {"-c", "exec sleep 30"}, {}, error);
    INFO(error);
    REQUIRE(child);
    close_channel(child->channel);
    REQUIRE(system_process_control().kill(child->pid, error));
    const ExitStatus status = system_process_control().wait(child->pid);
    CHECK(status.signaled);
    CHECK(status.code == 9);
    CHECK(status.describe() == "killed by signal 9 (SIGKILL)");
}

TEST_CASE("current_executable names this test program and current_process_id is this process", "[process]") {
    const std::filesystem::path self = current_executable();
    CHECK(self.is_absolute());
    CHECK(self.filename() == "platform_tests");
    CHECK(std::filesystem::is_regular_file(self));
    CHECK(current_process_id() == ::getpid());
}

TEST_CASE("adopt_channel accepts the number of an open descriptor and nothing else", "[process]") {
    int ends[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, ends) == 0);
    const auto adopted = adopt_channel(std::to_string(ends[1]));
    REQUIRE(adopted);
    CHECK(*adopted == ends[1]);
    // Adopted, it must not leak into this process's own children.
    CHECK((::fcntl(ends[1], F_GETFD) & FD_CLOEXEC) != 0);

    for (const char* junk : {"", "abc", "3x", " 3", "-1", "+3", "99999999999999999999"}) {
        INFO(junk);
        CHECK_FALSE(adopt_channel(junk));
    }
    const int closed = ends[0];
    ::close(closed);
    CHECK_FALSE(adopt_channel(std::to_string(closed)));

    close_channel(*adopted);
    CHECK(::fcntl(ends[1], F_GETFD) == -1);
    CHECK(errno == EBADF);
}

TEST_CASE("output_file receives the child's standard output and error, and terminate sends SIGTERM", "[process]") {
    isapi::test::TempFolder dir;
    std::string error;
    auto child = system_process_control().spawn(
        "/bin/sh", {"-c", "trap 'echo got-term; exit 7' TERM; echo to-stdout; echo to-stderr >&2; while :; do sleep 0.01; done"},
        {}, error, dir / "out.txt");
    INFO(error);
    REQUIRE(child);
    close_channel(child->channel);
    // Wait until the trap is in place (the lines are printed after it).
    for (int i = 0; i < 500 && isapi::test::read_file(dir / "out.txt").find("to-stderr") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(system_process_control().terminate(child->pid, error));
    const ExitStatus status = system_process_control().wait(child->pid);
    CHECK_FALSE(status.signaled);
    CHECK(status.code == 7);
    CHECK(isapi::test::read_file(dir / "out.txt") == "to-stdout\nto-stderr\ngot-term\n");
}
