#include <detectors/leak_trend.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
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

// Feeds cycles 1..n; the first evidence returned, or nullopt.
template <typename Usage>
std::optional<std::string> run_cycles(LeakTrend& trend, std::uint64_t n, Usage usage) {
    std::optional<std::string> first;
    for (std::uint64_t i = 1; i <= n; ++i)
        if (auto evidence = trend.add(i, usage(i)); evidence && !first) first = evidence;
    return first;
}

}  // namespace

TEST_CASE("fit_line finds the slope of an exact line and a perfect fit", "[detectors][leak]") {
    const std::vector<double> xs{0, 1, 2, 3, 4};
    const std::vector<double> ys{3, 5, 7, 9, 11};
    const auto line = fit_line(xs, ys);
    CHECK(line.slope == Approx(2.0));
    CHECK(line.fit == Approx(1.0));
}

TEST_CASE("fit_line takes uneven x steps into account", "[detectors][leak]") {
    const std::vector<double> xs{10, 13, 30, 31, 50};
    std::vector<double> ys;
    for (double x : xs) ys.push_back(100 + 4 * x);
    const auto line = fit_line(xs, ys);
    CHECK(line.slope == Approx(4.0));
    CHECK(line.fit == Approx(1.0));
}

TEST_CASE("fit_line gives a flat line, or a single x, no slope and no fit", "[detectors][leak]") {
    const std::vector<double> xs{0, 1, 2, 3};
    const std::vector<double> ys{4, 4, 4, 4};
    const auto flat = fit_line(xs, ys);
    CHECK(flat.slope == Approx(0.0));
    CHECK(flat.fit == Approx(0.0));
    const std::vector<double> same_x{5, 5, 5, 5};
    const std::vector<double> rising{1, 2, 3, 4};
    CHECK(fit_line(same_x, rising).slope == Approx(0.0));
}

TEST_CASE("leak trend names 64 KiB and one fd per cycle once two windows are full", "[detectors][leak]") {
    LeakTrend trend(LeakTrendOptions{16, 8});
    std::uint64_t reported_at = 0;
    std::optional<std::string> evidence;
    for (std::uint64_t i = 1; i <= 60 && !evidence; ++i) {
        evidence = trend.add(i, after_cycle(i, 64 * 1024, 1));
        reported_at = i;
    }
    REQUIRE(evidence);
    CHECK(reported_at == 40);  // 8 warm-up cycles, then two windows of 16
    CHECK(evidence->starts_with("leaks 64.0 KiB and 1 fd per cycle (load/unload cycles 9 to 40, 32 samples"));
}

TEST_CASE("leak trend stays silent for growth that holds for one window and then levels off", "[detectors][leak]") {
    // A process warming up: 64 KiB of RSS per cycle, in a straight line,
    // for cycles 1 to 30 (one whole window after the warm-up), then nothing.
    LeakTrend trend(LeakTrendOptions{16, 8});
    CHECK_FALSE(run_cycles(trend, 200, [](std::uint64_t i) {
        return ResourceUsage{(8u << 20) + std::min<std::uint64_t>(i, 30) * 64 * 1024, 1 << 20, 10, 4};
    }));
}

TEST_CASE("leak trend sampled every few cycles still reports the growth per cycle", "[detectors][leak]") {
    // The manager samples fast churn only every few milliseconds: cycles
    // 9, 14, 26, ... apart by 5 to 12.
    LeakTrend trend(LeakTrendOptions{16, 8});
    std::optional<std::string> evidence;
    std::uint64_t cycle = 1;
    for (int sample = 0; sample < 40 && !evidence; ++sample) {
        evidence = trend.add(cycle, after_cycle(cycle, 64 * 1024, 1));
        cycle += 5 + (sample * 7) % 8;
    }
    REQUIRE(evidence);
    CHECK(evidence->starts_with("leaks 64.0 KiB and 1 fd per cycle"));
}

TEST_CASE("leak trend reports a growing module only once", "[detectors][leak]") {
    LeakTrend trend(LeakTrendOptions{8, 0});
    int reports = 0;
    for (std::uint64_t i = 1; i <= 100; ++i)
        if (trend.add(i, after_cycle(i, 0, 1))) ++reports;
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

TEST_CASE("leak trend stays silent for RSS that grows with malloc's arenas while the heap in use is flat", "[detectors][leak]") {
    // The allocator keeping freed large buffers: RSS and the arenas grow
    // 60 KiB per cycle together, the heap in use does not move.
    LeakTrend trend(LeakTrendOptions{8, 0});
    CHECK_FALSE(run_cycles(trend, 60, [](std::uint64_t i) {
        ResourceUsage usage{(8u << 20) + i * 60 * 1024, 1 << 20, 10, 4};
        usage.malloc_held_bytes = (2u << 20) + i * 60 * 1024;
        return usage;
    }));
    // The same RSS growth outside the arenas (memory mapped by the module
    // itself) is a leak.
    LeakTrend outside(LeakTrendOptions{8, 0});
    const auto evidence = run_cycles(outside, 60, [](std::uint64_t i) {
        ResourceUsage usage{(8u << 20) + i * 60 * 1024, 1 << 20, 10, 4};
        usage.malloc_held_bytes = 2u << 20;
        return usage;
    });
    REQUIRE(evidence);
    CHECK(evidence->starts_with("leaks 60.0 KiB of RSS per cycle"));
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
