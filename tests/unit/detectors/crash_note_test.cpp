#include <detectors/crash_note.hpp>

#include <catch2/catch.hpp>

using isapi::host::parse_crash_note;

TEST_CASE("crash note lines become findings with kind, module, load, time and evidence", "[detectors][crash]") {
    const auto findings = parse_crash_note(
        "unloaded_code_executed\tlate_thread.so\t3\t5000000000\tSIGSEGV executing late_thread.so+0x1189 (0x7f00), "
        "212 ms after late_thread.so (load 3) was unloaded\n"
        "entry_point_crash\tcrash.so\t1\t6000000000\tSIGSEGV in HttpExtensionProc of crash.so (load 1)\n");
    REQUIRE(findings.size() == 2);
    CHECK(findings[0].kind == "unloaded_code_executed");
    CHECK(findings[0].module == "late_thread.so");
    CHECK(findings[0].load_generation == 3);
    CHECK(findings[0].time.time_since_epoch() == std::chrono::seconds(5));
    CHECK(findings[0].evidence.ends_with("212 ms after late_thread.so (load 3) was unloaded"));
    CHECK(findings[1].kind == "entry_point_crash");
    CHECK(findings[1].evidence == "SIGSEGV in HttpExtensionProc of crash.so (load 1)");
}

TEST_CASE("crash note skips a line cut short by the crash and lines that do not parse", "[detectors][crash]") {
    CHECK(parse_crash_note("entry_point_crash\tcrash.so\t1\t6000\tSIGSEGV in Http").empty());
    CHECK(parse_crash_note("entry_point_crash\tcrash.so\tone\t6000\tevidence\n").empty());
    CHECK(parse_crash_note("just text\n").empty());
    CHECK(parse_crash_note("").empty());
}
