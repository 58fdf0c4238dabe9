#include <admin/admin_api.hpp>
#include <events/event_recorder.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

using namespace isapi::host;

namespace {

struct Fixture {
    EventLog log{100};
    LifecycleCounters lifecycle;
    RequestCounters requests;
    EventRecorder recorder{log, lifecycle};

    AdminApi api(std::optional<std::string> token = std::nullopt) {
        AdminSources sources;
        sources.status = [] {
            HostStatus s;
            s.pid = 42;
            s.isolation = "inproc";
            s.mappings.push_back({"/v.dll", "/m/version_v1.so", "uncached"});
            s.modules.push_back({"/m/version_v1.so", "version_v1.so", 3, LoadMode::uncached, "ab12", "v; load=3",
                                 "Version 1", 1});
            return s;
        };
        sources.events = &log;
        sources.requests = &requests;
        sources.lifecycle = &lifecycle;
        return AdminApi(std::move(sources), std::move(token));
    }
};

std::vector<nlohmann::json> json_lines(const std::string& body) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(body);
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    return lines;
}

}  // namespace

TEST_CASE("admin status reports pid, isolation, mappings, modules and counters as JSON", "[admin]") {
    Fixture f;
    f.requests.answered(200);
    f.recorder.module_event({ModuleEvent::Kind::loaded, "/m/version_v1.so", "version_v1.so", 3, "id", "", {}});
    const auto r = f.api().handle({"GET", "/_isapi/status", ""});
    REQUIRE(r.status == 200);
    CHECK(r.content_type == "application/json");
    const auto j = nlohmann::json::parse(r.body);
    CHECK(j["pid"] == 42);
    CHECK(j["isolation"] == "inproc");
    CHECK(j["mappings"][0]["mode"] == "uncached");
    CHECK(j["modules"][0]["load_generation"] == 3);
    CHECK(j["modules"][0]["identity"] == "v; load=3");
    CHECK(j["modules"][0]["description"] == "Version 1");
    CHECK(j["counters"]["requests_by_status"]["200"] == 1);
    CHECK(j["counters"]["module_loads"] == 1);
    CHECK(j["uptime_seconds"].get<double>() >= 0);
}

TEST_CASE("admin metrics answer in the Prometheus text format", "[admin]") {
    Fixture f;
    f.requests.answered(404);
    const auto r = f.api().handle({"GET", "/_isapi/metrics", ""});
    CHECK(r.status == 200);
    CHECK(r.content_type.rfind("text/plain; version=0.0.4", 0) == 0);
    CHECK(r.body.find("isapi_requests_total{status=\"404\"} 1\n") != std::string::npos);
}

TEST_CASE("admin events answer JSON lines after the given sequence number", "[admin]") {
    Fixture f;
    f.recorder.host_event(EventKind::host_start, "pid 42");
    f.recorder.module_event({ModuleEvent::Kind::loaded, "/m/a.so", "a.so", 1, "a.so; load=1", "", {}});
    f.recorder.module_event({ModuleEvent::Kind::unloaded, "/m/a.so", "a.so", 1, {}, {}, "left the process"});

    const auto all = json_lines(f.api().handle({"GET", "/_isapi/events", ""}).body);
    REQUIRE(all.size() == 3);
    CHECK(all[0]["kind"] == "host_start");
    CHECK(all[1]["kind"] == "module_load");
    CHECK(all[1]["identity"] == "a.so; load=1");
    CHECK(all[1]["load"] == 1);
    CHECK(all[2]["kind"] == "module_unload");

    const auto r = f.api().handle({"GET", "/_isapi/events?since=2", ""});
    CHECK(r.content_type == "application/x-ndjson");
    const auto later = json_lines(r.body);
    REQUIRE(later.size() == 1);
    CHECK(later[0]["seq"] == 3);
    CHECK(later[0]["mono_us"].is_number());
    // The same moment on the machine's monotonic clock, for other processes.
    const auto log_start_us =
        std::chrono::duration_cast<std::chrono::microseconds>(f.log.start().time_since_epoch()).count();
    CHECK(later[0]["steady_us"].get<std::int64_t>() == log_start_us + later[0]["mono_us"].get<std::int64_t>());
    CHECK(later[0]["time"].get<std::string>().back() == 'Z');
}

TEST_CASE("admin events refuse a since that is not a sequence number", "[admin]") {
    Fixture f;
    for (const char* target : {"/_isapi/events?since=", "/_isapi/events?since=-1", "/_isapi/events?since=abc",
                               "/_isapi/events?since=3x", "/_isapi/events?since=99999999999999999999999"}) {
        INFO(target);
        const auto r = f.api().handle({"GET", target, ""});
        CHECK(r.status == 400);
        CHECK(nlohmann::json::parse(r.body).contains("error"));
    }
}

TEST_CASE("admin recycle answers 409 in process: there are no workers to recycle", "[admin]") {
    Fixture f;
    const auto r = f.api().handle({"POST", "/_isapi/recycle?mode=overlapped", ""});
    CHECK(r.status == 409);
    CHECK(nlohmann::json::parse(r.body)["error"].get<std::string>().find("worker processes") != std::string::npos);
    CHECK(f.api().handle({"POST", "/_isapi/recycle?mode=sideways", ""}).status == 400);
}

TEST_CASE("admin recycle hands the mode to the host when it has workers", "[admin]") {
    Fixture f;
    std::string asked;
    AdminSources sources;
    sources.status = [] { return HostStatus{}; };
    sources.events = &f.log;
    sources.recycle = [&asked](std::string_view mode) {
        asked = mode;
        return RecycleResult{202, "recycling"};
    };
    AdminApi api(std::move(sources), std::nullopt);
    CHECK(api.handle({"POST", "/_isapi/recycle?mode=immediate", ""}).status == 202);
    CHECK(asked == "immediate");
    CHECK(api.handle({"POST", "/_isapi/recycle", ""}).status == 202);
    CHECK(asked == "overlapped");
}

TEST_CASE("admin answers 404 for an unknown path and 405 for a wrong method", "[admin]") {
    Fixture f;
    auto api = f.api();
    CHECK(api.handle({"GET", "/_isapi/nothing", ""}).status == 404);
    CHECK(api.handle({"GET", "/hello.dll", ""}).status == 404);
    const auto wrong = api.handle({"POST", "/_isapi/status", ""});
    CHECK(wrong.status == 405);
    REQUIRE(wrong.headers.size() == 1);
    CHECK(wrong.headers[0] == std::pair<std::string, std::string>{"Allow", "GET"});
    CHECK(api.handle({"GET", "/_isapi/recycle", ""}).status == 405);
    CHECK(api.handle({"DELETE", "/_isapi/events", ""}).status == 405);
}

TEST_CASE("admin with a token answers 401 without the right bearer token", "[admin]") {
    Fixture f;
    auto api = f.api("s3cret");
    CHECK(api.handle({"GET", "/_isapi/status", ""}).status == 401);
    CHECK(api.handle({"GET", "/_isapi/status", "Bearer wrong!"}).status == 401);
    CHECK(api.handle({"GET", "/_isapi/status", "Bearer s3cre"}).status == 401);
    CHECK(api.handle({"GET", "/_isapi/status", "Basic s3cret"}).status == 401);
    CHECK(api.handle({"GET", "/_isapi/nothing", ""}).status == 401);  // no probing without the token
    CHECK(api.handle({"GET", "/_isapi/status", "Bearer s3cret"}).status == 200);
    CHECK(api.handle({"GET", "/_isapi/status", "bearer s3cret"}).status == 200);
}

TEST_CASE("query parameters are found by exact name", "[admin]") {
    CHECK(query_parameter("since=3", "since") == "3");
    CHECK(query_parameter("a=1&since=7&b", "since") == "7");
    CHECK(query_parameter("sincex=1", "since") == std::nullopt);
    CHECK(query_parameter("since", "since") == "");
    CHECK(query_parameter("", "since") == std::nullopt);
}
