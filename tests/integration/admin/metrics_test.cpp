// GET /_isapi/metrics over real HTTP from a real isapi-host, in both
// isolation modes: the latency histogram per mapping and build, and the
// process_* metrics of the host and its worker, read with a strict parser of
// the exposition format (prometheus_text.hpp).
#include "admin_support.hpp"
#include "prometheus_text.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace isapi::itest;

namespace {

constexpr int kRequests = 25;
constexpr const char* kHistogram = "isapi_request_duration_seconds";

double le_value(const PromSample& bucket) {
    const std::string& le = bucket.labels.at("le");
    return le == "+Inf" ? INFINITY : std::stod(le);
}

}  // namespace

TEST_CASE("admin metrics time every request of a mapping under its module and build, in both isolation modes",
          "[integration][admin][metrics]") {
    const std::string isolation = GENERATE(std::string("inproc"), std::string("process"));
    INFO("isolation " << isolation);
    auto host = spawn_host(concat({"--isolation", isolation, "--listen", "127.0.0.1:0", "--log-level", "warn",
                                   "--admin", "127.0.0.1:0"},
                                  map_arg("/app.dll", Built::version_v1)));
    auto client = client_for(*host);
    for (int i = 0; i < kRequests; ++i) REQUIRE(client.get("/app.dll").status == 200);
    const std::map<std::string, std::string> series{
        {"mapping", "/app.dll"}, {"module", "version_v1.so"}, {"build", file_sha256(Built::version_v1).substr(0, 12)}};

    // A request is timed once its response has gone: poll for the last one.
    PromText metrics;
    std::string text;
    const bool all_timed = wait_until(
        [&] {
            text = admin_get(*host, "/_isapi/metrics").body;
            metrics = parse_prometheus_text(text);
            const auto count = metrics.find(std::string(kHistogram) + "_count", series);
            return count.size() == 1 && count[0].value == kRequests;
        },
        std::chrono::seconds(5));
    INFO(text);
    REQUIRE(all_timed);
    CHECK(metrics.types.at(kHistogram) == "histogram");

    auto buckets = metrics.find(std::string(kHistogram) + "_bucket", series);
    REQUIRE(buckets.size() >= 2);
    std::sort(buckets.begin(), buckets.end(),
              [](const PromSample& a, const PromSample& b) { return le_value(a) < le_value(b); });
    CHECK(buckets.back().labels.at("le") == "+Inf");
    CHECK(buckets.back().value == kRequests);
    for (std::size_t i = 1; i < buckets.size(); ++i) {
        INFO("le " << buckets[i].labels.at("le"));
        CHECK(le_value(buckets[i - 1]) < le_value(buckets[i]));
        CHECK(buckets[i - 1].value <= buckets[i].value);
    }
    const auto sum = metrics.find(std::string(kHistogram) + "_sum", series);
    REQUIRE(sum.size() == 1);
    CHECK(sum[0].value > 0);
    CHECK(sum[0].value < kRequests * 10.0);  // under 10 s a request, for a sample that answers at once

    // process_*: the host's samples carry no labels; a worker's name it.
    const auto host_rss = metrics.find("process_resident_memory_bytes");
    const auto unlabelled = std::find_if(host_rss.begin(), host_rss.end(), [](const PromSample& s) { return s.labels.empty(); });
    REQUIRE(unlabelled != host_rss.end());
    CHECK(unlabelled->value > 0);
    CHECK(metrics.types.at("process_cpu_seconds_total") == "counter");
    for (const char* family : {"process_virtual_memory_bytes", "process_open_fds", "process_start_time_seconds"}) {
        INFO(family);
        const auto own = metrics.find(family);
        CHECK(std::any_of(own.begin(), own.end(), [](const PromSample& s) { return s.labels.empty() && s.value > 0; }));
    }
    const auto workers = admin_status(*host)["workers"];
    if (isolation == "process") {
        REQUIRE(workers.size() == 1);
        const std::string pid = std::to_string(workers[0]["pid"].get<long long>());
        const auto worker_rss = metrics.find("process_resident_memory_bytes", {{"pid", pid}});
        REQUIRE(worker_rss.size() == 1);
        CHECK(worker_rss[0].labels.at("worker") == std::to_string(workers[0]["generation"].get<long long>()));
        CHECK(worker_rss[0].value > 0);
        CHECK(metrics.find("process_start_time_seconds", {{"pid", pid}}).size() == 1);
    } else {
        // In process, the host is the only process: no worker samples.
        for (const auto& s : host_rss) CHECK(s.labels.empty());
    }
}

TEST_CASE("admin metrics keep each build of a recycled worker's module in its own histogram",
          "[integration][admin][metrics]") {
    TempDir dir;
    const auto module = dir.path() / "app.so";
    std::filesystem::copy_file(Built::version_v1, module);
    auto host = spawn_host(concat({"--isolation", "process", "--listen", "127.0.0.1:0", "--log-level", "warn",
                                   "--admin", "127.0.0.1:0"},
                                  map_arg("/app.dll", module.string())));
    auto client = client_for(*host);
    int sent = 0;
    for (; sent < 3; ++sent) REQUIRE(client.get("/app.dll").status == 200);
    // A new file renamed over the old one: the old worker keeps its mapping.
    std::filesystem::copy_file(Built::version_v2, dir.path() / "app.so.new");
    std::filesystem::rename(dir.path() / "app.so.new", module);
    HttpClient admin(host->admin_address(), admin_port(*host));
    HttpRequest recycle;
    recycle.method = "POST";
    recycle.target = "/_isapi/recycle?mode=overlapped";
    REQUIRE(admin.send(recycle).status == 202);
    // The new worker serves once the old one hands over.
    const bool v2 = wait_until(
        [&] {
            const auto response = client.get("/app.dll");
            ++sent;
            return response.status == 200 && response.body.find("v2") != std::string::npos;
        },
        std::chrono::seconds(10));
    REQUIRE(v2);
    for (int i = 0; i < 4; ++i, ++sent) REQUIRE(client.get("/app.dll").status == 200);

    const std::string v1_build = file_sha256(Built::version_v1).substr(0, 12);
    const std::string v2_build = file_sha256(Built::version_v2).substr(0, 12);
    PromText metrics;
    std::string text;
    const auto count_of = [&](const std::string& build) {
        const auto c = metrics.find(std::string(kHistogram) + "_count", {{"mapping", "/app.dll"}, {"build", build}});
        return c.size() == 1 ? c[0].value : -1.0;
    };
    const bool settled = wait_until(
        [&] {
            text = admin_get(*host, "/_isapi/metrics").body;
            metrics = parse_prometheus_text(text);
            return count_of(v1_build) + count_of(v2_build) == sent;
        },
        std::chrono::seconds(5));
    INFO(text << "\nrequests sent: " << sent);
    CHECK(settled);
    // The polls before the handover may have gone to either build, the
    // first three only to v1 and the last five only to v2.
    CHECK(count_of(v1_build) >= 3);
    CHECK(count_of(v2_build) >= 5);
    CHECK(metric(text, "isapi_requests_total{status=\"200\"}") == sent);
}
