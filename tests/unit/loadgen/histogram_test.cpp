#include <catch2/catch.hpp>

#include <random>

#include "stats/histogram.hpp"
#include "stats/run_stats.hpp"

using isapi::loadgen::Histogram;

TEST_CASE("every bucket holds values within 0.1% of each other, from 1 us to 1 h", "[histogram]") {
    const std::uint64_t values[] = {1, 999, 2047, 2048, 2049, 123'456, 9'999'999, 3'599'999'999, Histogram::kHighest};
    for (std::uint64_t v : values) {
        const auto i = Histogram::index_of(v);
        INFO("value " << v);
        REQUIRE(i < Histogram::bucket_count());
        CHECK(Histogram::lowest_in(i) <= v);
        CHECK(Histogram::highest_in(i) >= v);
        const double width = static_cast<double>(Histogram::highest_in(i) - Histogram::lowest_in(i) + 1);
        if (v < 2048) CHECK(width == 1);  // small values are exact
        else CHECK(width / static_cast<double>(v) <= 1.0 / 1000.0);
    }
}

TEST_CASE("bucket indexes are contiguous and increasing", "[histogram]") {
    for (std::size_t i = 0; i + 1 < Histogram::bucket_count(); ++i) {
        REQUIRE(Histogram::highest_in(i) + 1 == Histogram::lowest_in(i + 1));
        REQUIRE(Histogram::index_of(Histogram::lowest_in(i)) == i);
        REQUIRE(Histogram::index_of(Histogram::highest_in(i)) == i);
    }
    CHECK(Histogram::bucket_count() * sizeof(std::uint64_t) < 200 * 1024);
}

TEST_CASE("percentiles of 1..10000 us are exact to three significant digits", "[histogram]") {
    Histogram h;
    for (std::uint64_t v = 1; v <= 10000; ++v) h.record(v);
    CHECK(h.count() == 10000);
    CHECK(h.min() == 1);
    CHECK(h.max() == 10000);
    CHECK(h.percentile(50) == Approx(5000).epsilon(0.001));
    CHECK(h.percentile(90) == Approx(9000).epsilon(0.001));
    CHECK(h.percentile(99) == Approx(9900).epsilon(0.001));
    CHECK(h.percentile(99.9) == Approx(9990).epsilon(0.001));
    CHECK(h.percentile(100) == 10000);
    CHECK(h.mean() == Approx(5000.5));
}

TEST_CASE("a percentile never reports more than the largest value recorded", "[histogram]") {
    Histogram h;
    h.record(1'000'001);
    CHECK(h.percentile(99.99) == 1'000'001);
}

TEST_CASE("merging per-thread histograms equals recording everything in one", "[histogram]") {
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> latency(7.0, 1.5);
    Histogram a, b, all;
    for (int i = 0; i < 50000; ++i) {
        const auto v = static_cast<std::uint64_t>(latency(rng)) + 1;
        (i % 3 ? a : b).record(v);
        all.record(v);
    }
    Histogram merged;
    merged.merge(a);
    merged.merge(b);
    CHECK(merged.count() == all.count());
    CHECK(merged.min() == all.min());
    CHECK(merged.max() == all.max());
    for (double p : {50.0, 90.0, 99.0, 99.9, 99.99}) CHECK(merged.percentile(p) == all.percentile(p));
}

TEST_CASE("values beyond 1 h are clamped and counted as saturated", "[histogram]") {
    Histogram h;
    h.record(0);
    h.record(Histogram::kHighest * 10);
    CHECK(h.min() == 1);
    CHECK(h.max() == Histogram::kHighest);
    CHECK(h.saturated() == 1);
}

TEST_CASE("an empty histogram reports zeros", "[histogram]") {
    Histogram h;
    CHECK(h.percentile(99) == 0);
    CHECK(h.max() == 0);
    CHECK(h.mean() == 0);
}

TEST_CASE("run stats keep sent equal to answered plus dropped and count builds", "[stats]") {
    using namespace isapi::loadgen;
    RunStats s;
    RequestRecord ok{0, 10, 20, 1000, 50, 0, 200, 0, ErrorClass::ok};
    RequestRecord lost{0, 10, -1, 5000, 0, 0, 0, 0, ErrorClass::timeout};
    s.add(ok, "v1");
    s.add(ok, "v2");
    s.add(ok, "v1");
    s.add(lost, "");
    CHECK(s.sent() == 4);
    CHECK(s.answered() == 3);
    CHECK(s.dropped() == 1);
    CHECK(s.errors() == 1);
    RunStats other;
    other.add(ok, "v2");
    s.merge(other);
    REQUIRE(s.builds().size() == 2);
    CHECK(s.builds().builds()[0].responses == 2);
    CHECK(s.builds().builds()[1].responses == 2);
    CHECK(s.corrected().count() == 4);
}
