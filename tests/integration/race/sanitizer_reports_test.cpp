// The sanitizer reports race reads from a host's output (a tsan or asan
// build's), without a host: distinct reports, their module, repeats counted.
#include <catch2/catch.hpp>

#include "race/sanitizer_reports.hpp"

using namespace isapi::loadgen;

namespace {

std::string tsan_race(int pid, const char* line) {
    return "==================\n"
           "WARNING: ThreadSanitizer: data race (pid=" + std::to_string(pid) + ")\n"
           "  Write of size 4 at 0x7fc5ca21f0a0 by thread T2:\n"
           "    #0 HttpExtensionProc /src/racy_init.c:" + line + " (racy_init.so+0x1514)\n"
           "    #1 isapi::ecb::dispatch(...) /src/dispatch.cpp:14 (isapi-host+0x253263)\n"
           "\n"
           "SUMMARY: ThreadSanitizer: data race /src/racy_init.c:" + line + " in HttpExtensionProc\n"
           "==================\n";
}

}  // namespace

TEST_CASE("race reads each distinct ThreadSanitizer report once, with its module and how often it came", "[race]") {
    const std::string log = "listening on http://127.0.0.1:1\n" + tsan_race(10, "53") + "2026 info worker started\n" +
                            tsan_race(11, "53") + tsan_race(11, "41");
    const auto reports = sanitizer_reports_in(log);
    REQUIRE(reports.size() == 2);
    CHECK(reports[0].tool == "ThreadSanitizer");
    CHECK(reports[0].summary == "data race /src/racy_init.c:53 in HttpExtensionProc");
    CHECK(reports[0].module == "racy_init.so");
    CHECK(reports[0].pid == 10);
    CHECK(reports[0].count == 2);
    CHECK(reports[1].summary == "data race /src/racy_init.c:41 in HttpExtensionProc");
    CHECK(sanitizer_report_text(reports[0], false) ==
          "SANITIZER ThreadSanitizer in racy_init.so: data race /src/racy_init.c:53 in HttpExtensionProc "
          "(pid 10, reported 2 times)\n");
}

TEST_CASE("race reads AddressSanitizer errors and UBSan runtime errors, and nothing from a clean log", "[race]") {
    const std::string log =
        "==42==ERROR: AddressSanitizer: heap-use-after-free on address 0x602 at pc 0x7f bp 0x7f sp 0x7f\n"
        "READ of size 1 at 0x602 thread T3\n"
        "    #0 0x7f in HttpExtensionProc /src/uaf.c:9 (/build/asan/uaf.so+0x11e9)\n"
        "SUMMARY: AddressSanitizer: heap-use-after-free /src/uaf.c:9 in HttpExtensionProc\n"
        "/src/ovf.c:7:11: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in type 'int'\n"
        "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior /src/ovf.c:7:11 in \n";
    const auto reports = sanitizer_reports_in(log);
    REQUIRE(reports.size() == 2);
    CHECK(reports[0].tool == "AddressSanitizer");
    CHECK(reports[0].pid == 42);
    CHECK(reports[0].module == "uaf.so");
    CHECK(reports[0].summary == "heap-use-after-free /src/uaf.c:9 in HttpExtensionProc");
    CHECK(reports[1].tool == "UndefinedBehaviorSanitizer");
    CHECK(sanitizer_reports_in("listening\n2026 info finding-free log\n").empty());
}
