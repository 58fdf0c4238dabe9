// process_stats (the process_* metrics' source) against the real OS: this
// process, a child it starts, and a process id that names none.
#include <isapi/platform/process.hpp>
#include <isapi/platform/process_stats.hpp>

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <vector>

using namespace isapi::platform;

TEST_CASE("process_stats of this process sees its memory, descriptors, CPU time and start", "[process_stats]") {
    // Some CPU time to see: a few milliseconds of work.
    volatile std::uint64_t spin = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(30);
    while (std::chrono::steady_clock::now() < until) spin = spin + 1;

    const auto stats = process_stats(current_process_id());
    REQUIRE(stats);
    CHECK(stats->resident_bytes > 0);
    CHECK(stats->virtual_bytes >= stats->resident_bytes);
    CHECK(stats->open_fds >= 3);  // stdin, stdout, stderr at least
    REQUIRE(stats->max_fds);
    CHECK(*stats->max_fds >= stats->open_fds);
    CHECK(stats->cpu_seconds > 0);
    const double now = static_cast<double>(std::time(nullptr));
    CHECK(stats->start_time_seconds <= now + 1);
    CHECK(stats->start_time_seconds > now - 24 * 3600.0);  // a test process started today
}

TEST_CASE("process_stats reads another process and nothing for one that is gone", "[process_stats]") {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    const auto stats = process_stats(child);
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(stats);
    CHECK(stats->resident_bytes > 0);
    CHECK(stats->open_fds >= 3);
    CHECK_FALSE(process_stats(child));  // reaped: no /proc entry left
}
