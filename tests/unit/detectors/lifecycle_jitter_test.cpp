#include <detectors/lifecycle_jitter.hpp>

#include <catch2/catch.hpp>

#include <vector>

using namespace std::chrono_literals;
using isapi::host::JitterPoint;
using isapi::host::JitterSpec;
using isapi::host::LifecycleJitter;
using isapi::host::parse_jitter;

namespace {

std::vector<long> draws(LifecycleJitter& jitter, JitterPoint point, int n = 20) {
    std::vector<long> out;
    for (int i = 0; i < n; ++i) out.push_back(static_cast<long>(jitter.next(point).count()));
    return out;
}

}  // namespace

TEST_CASE("jitter with the same seed repeats each point's pauses, whatever the other points draw", "[detectors][jitter]") {
    LifecycleJitter a(JitterSpec{42, 5ms});
    LifecycleJitter b(JitterSpec{42, 5ms});
    draws(b, JitterPoint::after_completion, 7);  // interleaved draws elsewhere change nothing
    CHECK(draws(a, JitterPoint::before_terminate_extension) == draws(b, JitterPoint::before_terminate_extension));
}

TEST_CASE("jitter pauses stay within 0..MAX and differ by seed and by point", "[detectors][jitter]") {
    LifecycleJitter a(JitterSpec{42, 5ms});
    LifecycleJitter other_seed(JitterSpec{43, 5ms});
    const auto terminate = draws(a, JitterPoint::before_terminate_extension, 200);
    for (long pause : terminate) {
        CHECK(pause >= 0);
        CHECK(pause <= 5000);
    }
    CHECK(draws(a, JitterPoint::before_get_extension_version) != draws(a, JitterPoint::after_completion));
    LifecycleJitter fresh(JitterSpec{42, 5ms});
    CHECK(draws(fresh, JitterPoint::before_terminate_extension) != draws(other_seed, JitterPoint::before_terminate_extension));
}

TEST_CASE("no jitter spec means no pause", "[detectors][jitter]") {
    LifecycleJitter none(std::nullopt);
    CHECK(none.next(JitterPoint::after_completion) == 0us);
}

TEST_CASE("parse_jitter reads SEED:MAX with us, ms or s, and rejects the rest", "[detectors][jitter]") {
    REQUIRE(parse_jitter("42:5ms"));
    CHECK(parse_jitter("42:5ms")->seed == 42);
    CHECK(parse_jitter("42:5ms")->max == 5ms);
    CHECK(parse_jitter("7:250us")->max == 250us);
    CHECK(parse_jitter("7:2s")->max == 2s);
    CHECK(parse_jitter("7:3")->max == 3ms);
    for (const char* bad : {"42", "42:", ":5ms", "x:5ms", "42:5m", "42:-1ms", "42:5msx"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_jitter(bad));
    }
}
