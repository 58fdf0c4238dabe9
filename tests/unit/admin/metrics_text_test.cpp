#include <admin/metrics_text.hpp>

#include <catch2/catch.hpp>

#include <string>

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
