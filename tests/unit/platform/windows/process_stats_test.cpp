// process_stats on Windows (Wine in CI): this process's own figures, and
// nothing for a process id that names no process.
#include <isapi/platform/process.hpp>
#include <isapi/platform/process_stats.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>

using namespace isapi::platform;

TEST_CASE("process_stats of this process on Windows sees its working set, CPU time and start", "[process_stats]") {
    volatile std::uint64_t spin = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
    while (std::chrono::steady_clock::now() < until) spin = spin + 1;

    const auto stats = process_stats(current_process_id());
    REQUIRE(stats);
    CHECK(stats->resident_bytes > 0);
    CHECK(stats->virtual_bytes > 0);
    CHECK(stats->cpu_seconds > 0);
    CHECK_FALSE(stats->max_fds);  // Windows has no descriptor limit to report
    const double now = static_cast<double>(std::time(nullptr));
    CHECK(stats->start_time_seconds <= now + 1);
    CHECK(stats->start_time_seconds > now - 24 * 3600.0);
}

TEST_CASE("process_stats on Windows gives nothing for a process id that names no process", "[process_stats]") {
    // Process ids are multiples of 4; this one is not.
    CHECK_FALSE(process_stats(0x7FFFFFF3));
}
