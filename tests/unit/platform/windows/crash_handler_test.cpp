// Crash notes on Windows: a child installs the crash handler and crashes,
// inside an entry point's scope or outside any; the note names the entry
// point in the first case only, and the process still ends with the
// exception's code.
#include <isapi/platform/process.hpp>

#include "../test_files.hpp"
#include "child_helpers.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace isapi::platform;
using isapi::test::reap;
using isapi::test::start_child;

namespace {

// The child's note, after checking it crashed with an access violation.
std::string crash_and_read_note(const std::string& where) {
    isapi::test::TempFolder folder;
    const std::string note = folder / "crash-note";
    const ChildProcess child = start_child({"crash-noted", note, where});
    close_channel(child.channel);
    const ExitStatus status = reap(child.pid);
    CHECK(status.describe() == "crashed with 0xC0000005 (access violation)");
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
