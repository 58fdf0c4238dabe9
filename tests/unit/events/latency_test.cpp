// The latency histograms per mapping and build (host/events/request_latencies.hpp):
// buckets, the bound on builds kept, and the build key.
#include <events/request_latencies.hpp>

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

using namespace isapi::host;
using namespace std::chrono_literals;

namespace {

const std::string kShaA = "99cbab0229a5" + std::string(52, '0');
const std::string kShaB = "3f2a9c1b7d04" + std::string(52, '1');

RequestLatencies::Labels app_labels() { return {"/app.dll", "app.dll"}; }

std::string build_name(int i) {
    char hex[13];
    std::snprintf(hex, sizeof hex, "%012x", static_cast<unsigned>(i + 1));
    return std::string(hex) + std::string(52, 'a');
}

}  // namespace

TEST_CASE("latency buckets take a time at its bucket's upper bound and the next one beyond it", "[latency]") {
    CHECK(latency_bucket(0) == 0);
    CHECK(latency_bucket(100'000) == 0);  // 0.0001 s is "less than or equal"
    CHECK(latency_bucket(100'001) == 1);
    CHECK(latency_bucket(1'000'000) == 3);
    CHECK(latency_bucket(10'000'000'000) == kLatencyBucketNanos.size() - 1);
    CHECK(latency_bucket(10'000'000'001) == kLatencyBucketNanos.size());  // +Inf
    for (std::size_t i = 1; i < kLatencyBucketNanos.size(); ++i) CHECK(kLatencyBucketNanos[i - 1] < kLatencyBucketNanos[i]);
}

TEST_CASE("a latency histogram counts each request once and sums its time", "[latency]") {
    LatencyHistogram h;
    h.record(50us);
    h.record(3ms);
    h.record(3ms);
    h.record(20s);
    const auto s = h.snapshot();
    CHECK(s.count() == 4);
    CHECK(s.counts[0] == 1);
    CHECK(s.counts[latency_bucket(3'000'000)] == 2);
    CHECK(s.counts.back() == 1);
    CHECK(s.sum_nanos == 50'000 + 2 * 3'000'000 + 20'000'000'000ULL);
    h.reset();
    CHECK(h.snapshot().count() == 0);
    CHECK(h.snapshot().sum_nanos == 0);
}

TEST_CASE("the build key reads the short hash and calls anything else unknown", "[latency]") {
    CHECK(RequestLatencies::build_key(kShaA) == (0x99cbab0229a5ULL | 1ULL << 63));
    CHECK(RequestLatencies::build_key(kShaA.substr(0, 12)) == RequestLatencies::build_key(kShaA));
    CHECK(RequestLatencies::build_key("") == RequestLatencies::kUnknownBuild);
    CHECK(RequestLatencies::build_key("99cbab0229") == RequestLatencies::kUnknownBuild);
    CHECK(RequestLatencies::build_key("99CBAB0229A5") == RequestLatencies::kUnknownBuild);  // the host writes lower case
}

TEST_CASE("request latencies keep one series per mapping and build, labelled once", "[latency]") {
    RequestLatencies latencies;
    int labels_asked = 0;
    const auto labels = [&] {
        ++labels_asked;
        return app_labels();
    };
    const int app = 0, other = 0;
    latencies.record(&app, kShaA, 1ms, labels);
    latencies.record(&app, kShaA, 2ms, labels);
    latencies.record(&app, kShaB, 2ms, labels);
    latencies.record(&other, "", 2ms, [] { return RequestLatencies::Labels{"*.isa", "handler.so"}; });
    CHECK(labels_asked == 1);

    const auto series = latencies.snapshot();
    REQUIRE(series.size() == 3);
    CHECK(series[0].labels.mapping == "/app.dll");
    CHECK(series[0].labels.module == "app.dll");
    CHECK(series[0].build == "99cbab0229a5");
    CHECK(series[0].histogram.count() == 2);
    CHECK(series[1].build == "3f2a9c1b7d04");
    CHECK(series[1].histogram.count() == 1);
    CHECK(series[2].labels.mapping == "*.isa");
    CHECK(series[2].build == "unknown");
}

TEST_CASE("request latencies keep the last builds of a mapping and drop the oldest", "[latency]") {
    RequestLatencies latencies;
    const int app = 0;
    const int builds = static_cast<int>(RequestLatencies::kBuildsKept) + 3;
    for (int i = 0; i < builds; ++i)
        for (int n = 0; n <= i; ++n) latencies.record(&app, build_name(i), 1ms, app_labels);

    const auto series = latencies.snapshot();
    REQUIRE(series.size() == RequestLatencies::kBuildsKept);
    // Oldest first: the builds seen last, each with its own count.
    for (std::size_t k = 0; k < series.size(); ++k) {
        const int i = builds - static_cast<int>(RequestLatencies::kBuildsKept) + static_cast<int>(k);
        INFO("build " << i);
        CHECK(series[k].build == build_name(i).substr(0, 12));
        CHECK(series[k].histogram.count() == static_cast<std::uint64_t>(i + 1));
    }
}

TEST_CASE("a request whose build is no longer known counts for the mapping's latest build", "[latency]") {
    RequestLatencies latencies;
    const int app = 0, fresh = 0;
    latencies.record(&app, kShaA, 1ms, app_labels);
    latencies.record(&app, kShaB, 1ms, app_labels);
    latencies.record_latest(&app, 1ms, app_labels);
    latencies.record_latest(&fresh, 1ms, [] { return RequestLatencies::Labels{"/fresh.dll", "fresh.so"}; });
    const auto series = latencies.snapshot();
    REQUIRE(series.size() == 3);
    CHECK(series[0].histogram.count() == 1);
    CHECK(series[1].build == "3f2a9c1b7d04");
    CHECK(series[1].histogram.count() == 2);
    CHECK(series[2].build == "unknown");
    CHECK(series[2].histogram.count() == 1);
}

TEST_CASE("request latencies record only the first kMaxMappings mappings", "[latency]") {
    RequestLatencies latencies;
    std::vector<int> keys(RequestLatencies::kMaxMappings + 2);
    for (auto& key : keys) latencies.record(&key, kShaA, 1ms, app_labels);
    CHECK(latencies.snapshot().size() == RequestLatencies::kMaxMappings);
}

TEST_CASE("request latencies recorded from several threads add up", "[latency]") {
    RequestLatencies latencies;
    const int app = 0;
    constexpr int kThreads = 4, kEach = 5000;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) latencies.record(&app, t % 2 ? kShaA : kShaB, 1ms, app_labels);
        });
    for (auto& t : threads) t.join();
    std::uint64_t total = 0;
    for (const auto& s : latencies.snapshot()) total += s.histogram.count();
    CHECK(total == kThreads * kEach);
    CHECK(latencies.snapshot().size() == 2);
}
