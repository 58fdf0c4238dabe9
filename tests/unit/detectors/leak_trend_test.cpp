#include <detectors/leak_trend.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>

using isapi::host::fit_line;
using isapi::host::LeakTrend;
using isapi::host::LeakTrendOptions;
using isapi::platform::ResourceUsage;

namespace {

// The usage after cycle `i` of a process that starts at `base` and leaks
// `heap` bytes and `fds` descriptors per cycle.
ResourceUsage after_cycle(std::uint64_t i, std::uint64_t heap, std::uint64_t fds = 0) {
    constexpr std::uint64_t base = 8 << 20;
    return {base + i * heap, base / 2 + i * heap, 12 + i * fds, 9};
}

// Feeds `n` cycles; the first evidence returned, or nullopt.
template <typename Usage>
std::optional<std::string> run_cycles(LeakTrend& trend, std::uint64_t n, Usage usage) {
    std::optional<std::string> first;
    for (std::uint64_t i = 0; i < n; ++i)
        if (auto evidence = trend.add(usage(i)); evidence && !first) first = evidence;
    return first;
}

}  // namespace

TEST_CASE("fit_line finds the slope of an exact line and a perfect fit", "[detectors][leak]") {
    const std::vector<double> ys{3, 5, 7, 9, 11};
    const auto line = fit_line(ys);
    CHECK(line.slope == Approx(2.0));
    CHECK(line.fit == Approx(1.0));
}

TEST_CASE("fit_line gives a flat line no slope and no fit", "[detectors][leak]") {
    const std::vector<double> ys{4, 4, 4, 4};
    const auto line = fit_line(ys);
    CHECK(line.slope == Approx(0.0));
    CHECK(line.fit == Approx(0.0));
}

TEST_CASE("leak trend names 64 KiB and one fd per cycle once the window is full", "[detectors][leak]") {
    LeakTrend trend(LeakTrendOptions{16, 8});
    std::uint64_t reported_at = 0;
    std::optional<std::string> evidence;
    for (std::uint64_t i = 1; i <= 40 && !evidence; ++i) {
        evidence = trend.add(after_cycle(i, 64 * 1024, 1));
        reported_at = i;
    }
    REQUIRE(evidence);
    CHECK(reported_at == 24);  // 8 warm-up cycles, then a window of 16
    CHECK(evidence->starts_with("leaks 64.0 KiB and 1 fd per cycle"));
}

TEST_CASE("leak trend reports a growing module only once", "[detectors][leak]") {
    LeakTrend trend(LeakTrendOptions{8, 0});
    int reports = 0;
    for (std::uint64_t i = 0; i < 100; ++i)
        if (trend.add(after_cycle(i, 0, 1))) ++reports;
    CHECK(reports == 1);
}

TEST_CASE("leak trend stays silent for flat usage, a one-off jump and random noise", "[detectors][leak]") {
    LeakTrend flat(LeakTrendOptions{16, 4});
    CHECK_FALSE(run_cycles(flat, 100, [](std::uint64_t) { return after_cycle(0, 0); }));

    // One step up (a cache filled once) is no trend over the window that follows.
    LeakTrend jump(LeakTrendOptions{16, 4});
    CHECK_FALSE(run_cycles(jump, 100, [](std::uint64_t i) { return after_cycle(i < 30 ? 0 : 1, 1 << 20, 3); }));

    // RSS and heap wobbling by up to 256 KiB, fds by 2, with no growth.
    std::mt19937_64 random(42);
    std::uniform_int_distribution<std::uint64_t> wobble(0, 256 * 1024), fd_wobble(0, 2);
    LeakTrend noisy(LeakTrendOptions{16, 4});
    CHECK_FALSE(run_cycles(noisy, 500, [&](std::uint64_t) {
        auto usage = after_cycle(0, 0);
        usage.rss_bytes += wobble(random);
        usage.heap_in_use_bytes += wobble(random);
        usage.open_fds += fd_wobble(random);
        return usage;
    }));
}

TEST_CASE("leak trend falls back to RSS when the heap shows nothing, and names threads", "[detectors][leak]") {
    LeakTrend trend(LeakTrendOptions{8, 0});
    const auto evidence = run_cycles(trend, 20, [](std::uint64_t i) {
        // 128 KiB of RSS per cycle, and a heap that does not move.
        return ResourceUsage{(8u << 20) + i * 128 * 1024, 1 << 20, 10, 4 + i};
    });
    REQUIRE(evidence);
    CHECK(evidence->starts_with("leaks 128.0 KiB of RSS and 1 thread per cycle"));
}
