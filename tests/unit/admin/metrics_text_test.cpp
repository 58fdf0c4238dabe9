#include <admin/metrics_text.hpp>

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace isapi::host;

namespace {

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

}  // namespace

TEST_CASE("metrics text has HELP and TYPE lines and a sample for every family", "[metrics]") {
    MetricsSnapshot s;
    s.requests.by_status[200] = 5;
    s.requests.by_status[503] = 1;
    s.requests.in_flight = 2;
    s.lifecycle.loads = 3;
    s.lifecycle.unloads = 2;
    s.lifecycle.load_failures = 1;
    s.lifecycle.findings["double_done"] = 4;
    const std::string text = format_metrics(s);

    CHECK(has_line(text, "# TYPE isapi_requests_total counter"));
    CHECK(has_line(text, "isapi_requests_total{status=\"200\"} 5"));
    CHECK(has_line(text, "isapi_requests_total{status=\"503\"} 1"));
    CHECK(has_line(text, "# TYPE isapi_requests_in_flight gauge"));
    CHECK(has_line(text, "isapi_requests_in_flight 2"));
    CHECK(has_line(text, "isapi_module_loads_total 3"));
    CHECK(has_line(text, "isapi_module_unloads_total 2"));
    CHECK(has_line(text, "isapi_module_load_failures_total 1"));
    CHECK(has_line(text, "isapi_findings_total{kind=\"double_done\"} 4"));
    for (const char* family : {"isapi_requests_total", "isapi_requests_in_flight", "isapi_module_loads_total",
                               "isapi_module_unloads_total", "isapi_module_load_failures_total",
                               "isapi_findings_total"}) {
        INFO(family);
        CHECK(text.find(std::string("# HELP ") + family + " ") != std::string::npos);
        CHECK(text.find(std::string("# TYPE ") + family + " ") != std::string::npos);
    }
    CHECK(text.back() == '\n');
}

TEST_CASE("metrics text leaves out statuses that never occurred", "[metrics]") {
    const std::string text = format_metrics({});
    CHECK(text.find("isapi_requests_total{") == std::string::npos);
    CHECK(has_line(text, "isapi_requests_in_flight 0"));
    CHECK(has_line(text, "isapi_module_loads_total 0"));
}

TEST_CASE("metrics label values escape backslash, quote and newline", "[metrics]") {
    CHECK(escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
    MetricsSnapshot s;
    s.lifecycle.findings["odd\"kind"] = 1;
    CHECK(has_line(format_metrics(s), "isapi_findings_total{kind=\"odd\\\"kind\"} 1"));
}

namespace {

// The sample lines of `name` (after its labels), in order.
std::vector<std::string> samples_of(const std::string& text, const std::string& name) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(name, 0) == 0 && (line[name.size()] == '{' || line[name.size()] == ' ')) out.push_back(line);
    return out;
}

std::uint64_t value_of(const std::string& line) { return std::stoull(line.substr(line.rfind(' ') + 1)); }

RequestLatencies::Series latency_series(std::string mapping, std::string module, std::string build) {
    RequestLatencies::Series s;
    s.labels = {std::move(mapping), std::move(module)};
    s.build = std::move(build);
    return s;
}

}  // namespace

TEST_CASE("metrics text renders a latency histogram with cumulative buckets ending in +Inf", "[metrics]") {
    MetricsSnapshot s;
    auto series = latency_series("/app.dll", "app.dll", "99cbab0229a5");
    series.histogram.counts[0] = 2;                                 // <= 0.0001
    series.histogram.counts[3] = 5;                                 // <= 0.001
    series.histogram.counts[LatencyHistogram::kSlots - 1] = 1;      // over 10 s
    series.histogram.sum_nanos = 12'500'000'000;
    s.latencies.push_back(series);
    const std::string text = format_metrics(s);

    CHECK(has_line(text, "# TYPE isapi_request_duration_seconds histogram"));
    const auto buckets = samples_of(text, "isapi_request_duration_seconds_bucket");
    REQUIRE(buckets.size() == LatencyHistogram::kSlots);
    CHECK(buckets[0] == "isapi_request_duration_seconds_bucket{mapping=\"/app.dll\",module=\"app.dll\",build=\"99cbab0229a5\",le=\"0.0001\"} 2");
    CHECK(buckets[2].find("le=\"0.0005\"} 2") != std::string::npos);
    CHECK(buckets[3].find("le=\"0.001\"} 7") != std::string::npos);
    CHECK(buckets[LatencyHistogram::kSlots - 2].find("le=\"10\"} 7") != std::string::npos);
    CHECK(buckets.back().find("le=\"+Inf\"} 8") != std::string::npos);
    for (std::size_t i = 1; i < buckets.size(); ++i) CHECK(value_of(buckets[i - 1]) <= value_of(buckets[i]));
    CHECK(has_line(text, "isapi_request_duration_seconds_count{mapping=\"/app.dll\",module=\"app.dll\",build=\"99cbab0229a5\"} 8"));
    CHECK(has_line(text, "isapi_request_duration_seconds_sum{mapping=\"/app.dll\",module=\"app.dll\",build=\"99cbab0229a5\"} 12.500000"));
}

TEST_CASE("metrics text gives each build of a mapping its own histogram and escapes its labels", "[metrics]") {
    MetricsSnapshot s;
    s.latencies.push_back(latency_series("/a\"b.dll", "we\\ird\nname.so", "unknown"));
    s.latencies.push_back(latency_series("/a\"b.dll", "we\\ird\nname.so", "3f2a9c1b7d04"));
    s.latencies[1].histogram.counts[1] = 3;
    const std::string text = format_metrics(s);
    CHECK(samples_of(text, "isapi_request_duration_seconds_count").size() == 2);
    CHECK(has_line(text, "isapi_request_duration_seconds_count{mapping=\"/a\\\"b.dll\",module=\"we\\\\ird\\nname.so\",build=\"unknown\"} 0"));
    CHECK(has_line(text, "isapi_request_duration_seconds_count{mapping=\"/a\\\"b.dll\",module=\"we\\\\ird\\nname.so\",build=\"3f2a9c1b7d04\"} 3"));
    // Every sample stays on one line: the newline in the module name is escaped.
    for (const auto& line : samples_of(text, "isapi_request_duration_seconds_bucket")) CHECK(line.find("le=\"") != std::string::npos);
}

TEST_CASE("metrics text names process metrics as client libraries do, workers labelled", "[metrics]") {
    MetricsSnapshot s;
    ProcessSample host;
    host.pid = 100;
    host.stats.cpu_seconds = 1.25;
    host.stats.resident_bytes = 4096;
    host.stats.virtual_bytes = 8192;
    host.stats.open_fds = 12;
    host.stats.max_fds = 1024;
    host.stats.start_time_seconds = 1700000000.5;
    ProcessSample worker = host;
    worker.worker = true;
    worker.generation = 2;
    worker.pid = 101;
    worker.stats.resident_bytes = 2048;
    worker.stats.max_fds.reset();  // Windows has none
    s.processes = {host, worker};
    const std::string text = format_metrics(s);

    CHECK(has_line(text, "# TYPE process_cpu_seconds_total counter"));
    CHECK(has_line(text, "process_cpu_seconds_total 1.250000"));
    CHECK(has_line(text, "process_resident_memory_bytes 4096"));
    CHECK(has_line(text, "process_resident_memory_bytes{worker=\"2\",pid=\"101\"} 2048"));
    CHECK(has_line(text, "process_virtual_memory_bytes 8192"));
    CHECK(has_line(text, "process_open_fds{worker=\"2\",pid=\"101\"} 12"));
    CHECK(has_line(text, "process_max_fds 1024"));
    CHECK(samples_of(text, "process_max_fds").size() == 1);
    CHECK(has_line(text, "process_start_time_seconds 1700000000.500000"));
    for (const char* family : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                               "process_virtual_memory_bytes", "process_open_fds", "process_max_fds",
                               "process_start_time_seconds"}) {
        INFO(family);
        CHECK(text.find(std::string("# HELP ") + family + " ") != std::string::npos);
    }
}
