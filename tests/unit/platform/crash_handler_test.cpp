// The worker's crash handler, in a forked child each time (it owns the
// process's fatal-signal dispositions and ends the process).
#include <isapi/platform/crash_handler.hpp>

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
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

std::string read_all(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("the crash handler notes a signal inside an entry point, flags the crash, and hands the signal on",
          "[crash]") {
    const auto note = std::filesystem::temp_directory_path() / ("crash-note-" + std::to_string(getpid()));
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) crash_inside_entry_point(note.string());
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    const std::string text = read_all(note);
    std::filesystem::remove(note);
    INFO(text);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == kSawCrashInProgress);
    CHECK(text.starts_with("entry_point_crash\tcrashy.so\t7\t"));
    CHECK(text.find("SIGSEGV in HttpExtensionProc of crashy.so (load 7)") != std::string::npos);
}
