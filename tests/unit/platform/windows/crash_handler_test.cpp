// Crash notes on Windows: a child installs the crash handler and crashes,
// inside an entry point's scope or outside any, in code that was unloaded,
// or with an exception it raises; the note names what happened, and the
// process still ends with the exception's code.
#include <isapi/platform/process.hpp>

#include "../test_files.hpp"
#include "child_helpers.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace isapi::platform;
using isapi::test::reap;
using isapi::test::start_child;

namespace {

// The child's note, after checking how it ended (an access violation unless
// told otherwise).
std::string crash_and_read_note(const std::string& where, const std::string& dll = {},
                                const std::string& ended = "crashed with 0xC0000005 (access violation)") {
    isapi::test::TempFolder folder;
    const std::string note = folder / "crash-note";
    std::vector<std::string> args{"crash-noted", note, where};
    if (!dll.empty()) args.push_back(dll);
    const ChildProcess child = start_child(args);
    close_channel(child.channel);
    const ExitStatus status = reap(child.pid);
    CHECK(status.describe() == ended);
    return isapi::test::read_file(note);
}

}  // namespace

TEST_CASE("windows: a crash inside an entry point is noted, and the process still ends with the exception's code",
          "[windows][crash]") {
    const std::string text = crash_and_read_note("inside");
    INFO(text);
    CHECK(text.rfind("entry_point_crash\tcrashy.dll\t7\t", 0) == 0);
    CHECK(text.find("\taccess violation (0xC0000005) in HttpExtensionProc of crashy.dll (load 7), fault address 0x0, pc 0x") !=
          std::string::npos);
    CHECK(text.back() == '\n');
}

TEST_CASE("windows: a crash outside any entry point leaves the note empty", "[windows][crash]") {
    CHECK(crash_and_read_note("outside").empty());
}

TEST_CASE("windows: a call into an unloaded module is noted as unloaded_code_executed, with the module and offset",
          "[windows][crash]") {
    const std::string text = crash_and_read_note("unloaded", ISAPI_SAMPLE_HELLO);
    INFO(text);
    CHECK(text.rfind("unloaded_code_executed\thello.dll\t3\t", 0) == 0);
    CHECK(text.find("\taccess violation (0xC0000005) executing hello.dll+0x") != std::string::npos);
    CHECK(text.find(" ms after hello.dll (load 3) was unloaded\n") != std::string::npos);
    CHECK(std::count(text.begin(), text.end(), '\n') == 1);
}

TEST_CASE("windows: unloaded code reached inside an entry point is unloaded_code_executed alone", "[windows][crash]") {
    const std::string text = crash_and_read_note("unloaded-inside", ISAPI_SAMPLE_HELLO);
    INFO(text);
    CHECK(text.rfind("unloaded_code_executed\thello.dll\t3\t", 0) == 0);
    CHECK(text.find("entry_point_crash") == std::string::npos);
}

TEST_CASE("windows: a structured exception out of an entry point is entry_point_crash with its code",
          "[windows][crash]") {
    const std::string text = crash_and_read_note("raise", "-", "crashed with 0xE0000042");
    INFO(text);
    CHECK(text.rfind("entry_point_crash\tcrashy.dll\t7\t", 0) == 0);
    CHECK(text.find("\texception 0xE0000042 in HttpExtensionProc of crashy.dll (load 7), pc 0x") != std::string::npos);
}

TEST_CASE("windows: an MSVC C++ exception out of an entry point is exception_escaped", "[windows][crash]") {
    const std::string text =
        crash_and_read_note("msvc-throw", "-", "crashed with 0xE06D7363 (Microsoft C++ exception)");
    INFO(text);
    CHECK(text.rfind("exception_escaped\tcrashy.dll\t7\t", 0) == 0);
    CHECK(text.find("\tMicrosoft C++ exception (0xE06D7363) escaped HttpExtensionProc of crashy.dll (load 7), pc 0x") !=
          std::string::npos);
}
