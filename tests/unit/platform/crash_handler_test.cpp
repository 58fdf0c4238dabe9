// The worker's crash handler, in a forked child each time (it owns the
// process's fatal-signal dispositions and ends the process).
#include <isapi/platform/crash_handler.hpp>

#include "test_files.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace {

constexpr int kSawCrashInProgress = 42;
constexpr int kMissedCrashInProgress = 43;

// Stands in for what ran before the crash handler (the default, or a
// sanitizer's report): the crash handler hands the fault on to it.
void previous_handler(int) {
    _exit(isapi::platform::crash_in_progress() ? kSawCrashInProgress : kMissedCrashInProgress);
}

[[noreturn]] void crash_inside_entry_point(const std::string& note) {
    struct sigaction previous{};
    previous.sa_handler = previous_handler;
    sigemptyset(&previous.sa_mask);
    sigaction(SIGSEGV, &previous, nullptr);
    std::string error;
    if (!isapi::platform::install_crash_handler(note, error) || isapi::platform::crash_in_progress()) _exit(2);
    const isapi::platform::EntryPointScope scope("HttpExtensionProc", "crashy.so", 7);
    raise(SIGSEGV);  // a sent signal: the handler sends it again to the previous disposition
    _exit(3);
}

}  // namespace

TEST_CASE("the crash handler notes a signal inside an entry point, flags the crash, and hands the signal on",
          "[crash]") {
    isapi::test::TempFolder folder;
    const std::string note = folder / "crash-note";
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) crash_inside_entry_point(note);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    const std::string text = isapi::test::read_file(note);
    INFO(text);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == kSawCrashInProgress);
    CHECK(text.starts_with("entry_point_crash\tcrashy.so\t7\t"));
    CHECK(text.find("SIGSEGV in HttpExtensionProc of crashy.so (load 7)") != std::string::npos);
}
