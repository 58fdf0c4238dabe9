// ProcessControl on Windows against real child processes (Wine in CI):
// exit codes and crashes, kill, terminate through the stop event, the
// command line, the environment, the output file, and the job object.
#include <isapi/platform/process.hpp>
#include <isapi/platform/stop_signals.hpp>

#include "../test_files.hpp"
#include "child_helpers.hpp"

#include <catch2/catch.hpp>

#include <windows.h>

#include <condition_variable>
#include <mutex>
#include <string>

using namespace isapi::platform;
using isapi::test::ChannelReader;
using isapi::test::reap;
using isapi::test::start_child;

namespace {

ExitStatus run_to_end(const std::vector<std::string>& args) {
    const ChildProcess child = start_child(args);
    close_channel(child.channel);
    return reap(child.pid);
}

}  // namespace

TEST_CASE("windows: a child's exit code is reported as exited with that code", "[windows][process]") {
    const ExitStatus status = run_to_end({"exit", "3"});
    CHECK(status.code == 3);
    CHECK_FALSE(status.crashed());
    CHECK(status.describe() == "exited with code 3");
}

TEST_CASE("windows: an access violation is reported as a crash with its NTSTATUS", "[windows][process]") {
    const ExitStatus status = run_to_end({"crash"});
    CHECK(static_cast<std::uint32_t>(status.code) == 0xC0000005u);
    CHECK(status.crashed());
    CHECK(status.describe() == "crashed with 0xC0000005 (access violation)");
}

TEST_CASE("windows: exit codes are described in words, crashes in hex with a name", "[windows][process]") {
    const auto status = [](std::uint32_t bits) { return ExitStatus{false, static_cast<int>(bits)}; };
    CHECK(status(0xC00000FDu).describe() == "crashed with 0xC00000FD (stack overflow)");
    CHECK(status(0xC0000409u).describe() == "crashed with 0xC0000409 (stack buffer overrun)");
    CHECK(status(0x80000003u).describe() == "crashed with 0x80000003 (breakpoint)");
    CHECK(status(0xC000001Du).describe() == "crashed with 0xC000001D (illegal instruction)");
    CHECK(status(0xC0000094u).describe() == "crashed with 0xC0000094 (integer divide by zero)");
    CHECK(status(0xC0000135u).describe() == "crashed with 0xC0000135");
    CHECK(status(0x80000003u).crashed());
    CHECK(status(0xC0000135u).crashed());
    CHECK_FALSE(status(0xFFFFFFFFu).crashed());
    CHECK(status(0xFFFFFFFFu).describe() == "exited with code -1");
    CHECK_FALSE(status(0x80000001u).crashed());
    CHECK_FALSE(status(0).crashed());
    CHECK_FALSE(status(kKilledExitCode).crashed());
}

TEST_CASE("windows: kill ends a child at once and wait reports it killed", "[windows][process]") {
    const ChildProcess child = start_child({"linger"});
    close_channel(child.channel);
    std::string error;
    REQUIRE(system_process_control().kill(child.pid, error));
    const ExitStatus status = reap(child.pid);
    CHECK(status.code == kKilledExitCode);
    CHECK(status.describe() == "killed (exit code 1067)");
}

TEST_CASE("windows: wait for a process that is not a child reports exit code -1", "[windows][process]") {
    CHECK(system_process_control().wait(current_process_id()).code == -1);
}

TEST_CASE("windows: spawning a missing executable fails with the system's reason", "[windows][process]") {
    isapi::test::TempFolder folder;
    const std::string missing = folder / "absent.exe";
    std::string error;
    CHECK_FALSE(system_process_control().spawn(missing, {"{channel}"}, {}, error));
    CHECK(error.rfind("cannot start " + missing + ": ", 0) == 0);
    CHECK(error.find("(error 2)") != std::string::npos);  // ERROR_FILE_NOT_FOUND
}

TEST_CASE("windows: arguments with spaces, quotes and backslashes arrive intact", "[windows][process]") {
    const std::vector<std::string> tricky = {
        "plain", "two words", "", "tab\there", "say \"hi\"", "\"", "trailing\\", "trailing space\\",
        "C:\\Program Files\\x\\", "a\\\\b", "a\\\"b", "\\\\\"", "quote at end\"", "h\xC3\xA4llo w\xC3\xB6rld"};
    std::vector<std::string> args{"args", "{channel}"};
    args.insert(args.end(), tricky.begin(), tricky.end());
    const ChildProcess child = start_child(args);
    ChannelReader reader(child.channel);
    const std::string text = reader.read_until_closed();
    std::string expected;
    for (const auto& arg : tricky) expected += arg + '\0';
    CHECK(text == expected);
    CHECK(reap(child.pid).describe() == "exited with code 0");
}

TEST_CASE("windows: env entries are set in the child on top of the parent's environment", "[windows][process]") {
    REQUIRE(::SetEnvironmentVariableW(L"ISAPI_TEST_INHERITED", L"from parent"));
    REQUIRE(::SetEnvironmentVariableW(L"ISAPI_TEST_OVERRIDDEN", L"from parent"));
    // Names compare without case on Windows: the override replaces the entry.
    const ChildProcess child =
        start_child({"env", "{channel}", "ISAPI_TEST_INHERITED", "ISAPI_TEST_OVERRIDDEN", "ISAPI_TEST_ADDED"},
                    {"isapi_test_overridden=from spawn", "ISAPI_TEST_ADDED=also from spawn \xE2\x9C\x93"});
    ChannelReader reader(child.channel);
    const std::string text = reader.read_until_closed();
    ::SetEnvironmentVariableW(L"ISAPI_TEST_INHERITED", nullptr);
    ::SetEnvironmentVariableW(L"ISAPI_TEST_OVERRIDDEN", nullptr);
    CHECK(text == "from parent|1\nfrom spawn|1\nalso from spawn \xE2\x9C\x93|1\n");
    CHECK(reap(child.pid).describe() == "exited with code 0");
}

TEST_CASE("windows: output_file receives the child's standard output and error", "[windows][process]") {
    isapi::test::TempFolder folder;
    const std::string out = folder / "out.txt";
    isapi::test::write_file(out, "old content, longer than what the child writes\n");
    const ChildProcess child = start_child({"output"}, {}, out);
    close_channel(child.channel);
    CHECK(reap(child.pid).describe() == "exited with code 0");
    // The C runtime writes text-mode lines: CRLF.
    CHECK(isapi::test::read_file(out) == "to-stdout\r\nto-stderr\r\n");
}

TEST_CASE("windows: terminate sets the child's stop event, its StopSignals handler runs, and it exits 0",
          "[windows][process][stop]") {
    const ChildProcess child = start_child({"stop", "{channel}"});
    ChannelReader reader(child.channel);
    REQUIRE(reader.read_until("\n") == "ready\n");
    std::string error;
    INFO(error);
    REQUIRE(system_process_control().terminate(child.pid, error));
    CHECK(reader.read_until_closed() == "stop event\n");
    CHECK(reap(child.pid).describe() == "exited with code 0");
}

TEST_CASE("windows: terminate fails with a reason for a process that watches no stop event", "[windows][process][stop]") {
    const ChildProcess child = start_child({"linger"});
    close_channel(child.channel);
    std::string error;
    CHECK_FALSE(system_process_control().terminate(child.pid, error));
    CHECK(error.find("cannot stop process " + std::to_string(child.pid) + ": it has no stop event Local\\isapi-harness-stop-") == 0);
    REQUIRE(system_process_control().kill(child.pid, error));
    reap(child.pid);
}

TEST_CASE("windows: StopSignals reports terminate() on this process as a stop request", "[windows][stop]") {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> requests;
    {
        StopSignals signals([&](StopRequest request, const std::string& description) {
            std::lock_guard lock(mutex);
            requests.push_back((request == StopRequest::stop ? "stop: " : "recycle: ") + description);
            changed.notify_all();
        });
        // One instance at a time: a second one finds the event taken.
        CHECK_THROWS(StopSignals([](StopRequest, const std::string&) {}));
        std::string error;
        for (int i = 0; i < 2; ++i) {
            INFO(error);
            REQUIRE(system_process_control().terminate(current_process_id(), error));
            std::unique_lock lock(mutex);
            REQUIRE(changed.wait_for(lock, std::chrono::seconds(10), [&] { return requests.size() == std::size_t(i + 1); }));
        }
    }
    CHECK(requests == std::vector<std::string>{"stop: stop event", "stop: stop event"});
    // Gone with the StopSignals.
    std::string error;
    CHECK_FALSE(system_process_control().terminate(current_process_id(), error));
}

TEST_CASE("windows: the job object ends a grandchild when its parent is killed", "[windows][process][job]") {
    // The grandchild lingers for a minute and ignores its channel: only the
    // middle process's job can end it sooner.
    const ChildProcess middle = start_child({"middle", "{channel}"});
    ChannelReader reader(middle.channel);
    const std::string line = reader.read_until("\n");
    INFO(line);
    REQUIRE(line.find_first_not_of("0123456789\n") == std::string::npos);
    const HANDLE grandchild = ::OpenProcess(SYNCHRONIZE, FALSE, static_cast<DWORD>(std::stoul(line)));
    REQUIRE(grandchild != nullptr);
    CHECK(::WaitForSingleObject(grandchild, 0) == WAIT_TIMEOUT);
    std::string error;
    REQUIRE(system_process_control().kill(middle.pid, error));
    CHECK(reap(middle.pid).code == kKilledExitCode);
    CHECK(::WaitForSingleObject(grandchild, 20'000) == WAIT_OBJECT_0);
    ::CloseHandle(grandchild);
}
