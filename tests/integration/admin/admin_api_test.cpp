// The admin API over real HTTP: status, metrics, events, recycle, the token,
// and the wall between the admin port and the extension port.
#include "admin_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <future>

using namespace isapi::itest;

namespace {

bool has_event(const std::vector<nlohmann::json>& events, const std::string& kind, const std::string& module) {
    return std::any_of(events.begin(), events.end(), [&](const nlohmann::json& e) {
        return e["kind"] == kind && e.value("module", "") == module;
    });
}

}  // namespace

TEST_CASE("the host prints the admin address after the listening line", "[integration][admin]") {
    auto host = start_host_with_admin(map_arg("/hello.dll", Built::hello));
    const auto port = admin_port(*host);
    CHECK(port != 0);
    CHECK(port != host->port());
    const std::string out = host->output();
    CHECK(out.find("listening on") < out.find("admin on"));
}

TEST_CASE("admin status shows pid, isolation, mappings and loaded modules with their identity", "[integration][admin]") {
    auto host = start_host_with_admin(concat(map_arg("/v1.dll", Built::version_v1), map_arg("/v2.dll", Built::version_v2, "uncached")));
    auto client = client_for(*host);
    const auto served = client.get("/v1.dll");
    REQUIRE(served.status == 200);

    const auto status = admin_status(*host);
    CHECK(status["pid"] == host->pid());
    CHECK(status["isolation"] == "inproc");
    CHECK(status["identity_header"] == true);
    REQUIRE(status["mappings"].size() == 2);
    CHECK(status["mappings"][0]["url"] == "/v1.dll");
    CHECK(status["mappings"][0]["mode"] == "cached");
    CHECK(status["mappings"][1]["mode"] == "uncached");
    REQUIRE(status["modules"].size() == 1);  // v1 stays loaded (cached); v2 was never asked for
    const auto& module = status["modules"][0];
    CHECK(module["module"] == "version_v1.so");
    CHECK(module["identity"] == *served.header("X-Isapi-Build"));
    CHECK(module["sha256"] == file_sha256(Built::version_v1));
    CHECK(module["load_generation"].get<int>() >= 1);
    CHECK(module["description"].get<std::string>().size() > 0);
    CHECK(status["counters"]["module_loads"] == 1);
}

TEST_CASE("admin metrics count requests by status", "[integration][admin]") {
    auto host = start_host_with_admin(map_arg("/hello.dll", Built::hello));
    auto client = client_for(*host);
    for (int i = 0; i < 3; ++i) REQUIRE(client.get("/hello.dll").status == 200);
    REQUIRE(client.get("/nowhere.dll").status == 404);

    std::string text;
    // A request is counted once it has completed, just after its response left.
    const bool counted = wait_until(
        [&] {
            const auto response = admin_get(*host, "/_isapi/metrics");
            text = response.body;
            return response.status == 200 && metric(text, "isapi_requests_total{status=\"200\"}") == 3 &&
                   metric(text, "isapi_requests_total{status=\"404\"}") == 1;
        },
        std::chrono::seconds(5));
    INFO(text);
    CHECK(counted);
    CHECK(text.find("# TYPE isapi_requests_total counter") != std::string::npos);
    CHECK(metric(text, "isapi_requests_in_flight") == 0);
    CHECK(metric(text, "isapi_module_loads_total") == 1);
    CHECK(metric(text, "isapi_module_unloads_total") == 0);
    CHECK(metric(text, "isapi_module_load_failures_total") == 0);
    CHECK(admin_get(*host, "/_isapi/metrics").header("Content-Type")->find("text/plain") == 0);
}

TEST_CASE("admin metrics show a running request as in flight until it completes", "[integration][admin]") {
    auto host = start_host_with_admin(map_arg("/slow.dll", Built::slow));
    auto slow = std::async(std::launch::async, [&host] {
        auto client = client_for(*host);
        return client.get("/slow.dll?ms=1500").status;
    });
    const bool running = wait_until(
        [&] { return metric(admin_get(*host, "/_isapi/metrics").body, "isapi_requests_in_flight") == 1; },
        std::chrono::seconds(5));
    CHECK(running);
    CHECK(slow.get() == 200);
    const bool done = wait_until(
        [&] {
            const auto text = admin_get(*host, "/_isapi/metrics").body;
            return metric(text, "isapi_requests_in_flight") == 0 &&
                   metric(text, "isapi_requests_total{status=\"200\"}") == 1;
        },
        std::chrono::seconds(5));
    CHECK(done);
}

TEST_CASE("admin events show each load and unload of an uncached module", "[integration][admin]") {
    auto host = start_host_with_admin(map_arg("/v1.dll", Built::version_v1, "uncached"));
    const auto before = admin_events(*host);
    REQUIRE_FALSE(before.empty());
    CHECK(before[0]["kind"] == "host_start");
    const std::uint64_t mark = before.back()["seq"];

    auto client = client_for(*host);
    const auto response = client.get("/v1.dll");
    REQUIRE(response.status == 200);
    std::vector<nlohmann::json> events;
    const bool unloaded = wait_until(
        [&] {
            events = admin_events(*host, mark);
            return has_event(events, "module_unload", "version_v1.so");
        },
        std::chrono::seconds(5));
    CHECK(unloaded);
    REQUIRE(has_event(events, "module_load", "version_v1.so"));
    CHECK(has_event(events, "terminate_extension", "version_v1.so"));
    for (const auto& e : events) CHECK(e["seq"].get<std::uint64_t>() > mark);
    const auto load = std::find_if(events.begin(), events.end(), [](const auto& e) { return e["kind"] == "module_load"; });
    CHECK((*load)["identity"] == *response.header("X-Isapi-Build"));
    CHECK((*load)["mono_us"].get<std::int64_t>() > 0);

    CHECK(admin_get(*host, "/_isapi/events?since=abc").status == 400);
    CHECK(admin_events(*host, events.back()["seq"].get<std::uint64_t>()).empty());
}

TEST_CASE("admin events record a load failure with its reason", "[integration][admin]") {
    TempDir dir;
    const auto junk = dir.write("junk.so", "not a module");
    auto host = start_host_with_admin(map_arg("/junk.dll", junk.string()));
    auto client = client_for(*host);
    CHECK(client.get("/junk.dll").status == 500);
    const auto events = admin_events(*host);
    const auto failure = std::find_if(events.begin(), events.end(), [](const auto& e) { return e["kind"] == "load_failure"; });
    REQUIRE(failure != events.end());
    CHECK((*failure)["module"] == "junk.so");
    CHECK((*failure)["detail"].get<std::string>().find("not a loadable module") != std::string::npos);
    CHECK(metric(admin_get(*host, "/_isapi/metrics").body, "isapi_module_load_failures_total") == 1);
}

TEST_CASE("admin recycle answers 409 in process, and wrong methods and paths are refused", "[integration][admin]") {
    auto host = start_host_with_admin(map_arg("/hello.dll", Built::hello));
    HttpClient admin(host->admin_address(), admin_port(*host));
    HttpRequest recycle;
    recycle.method = "POST";
    recycle.target = "/_isapi/recycle?mode=overlapped";
    const auto refused = admin.send(recycle);
    CHECK(refused.status == 409);
    CHECK(nlohmann::json::parse(refused.body)["error"].get<std::string>().find("worker processes") != std::string::npos);
    CHECK(admin.get("/_isapi/recycle").status == 405);
    HttpRequest post_status;
    post_status.method = "POST";
    post_status.target = "/_isapi/status";
    CHECK(admin.send(post_status).status == 405);
    CHECK(admin.get("/_isapi/unknown").status == 404);
}

TEST_CASE("an admin token is required once set", "[integration][admin]") {
    auto host = start_host_with_admin(concat(map_arg("/hello.dll", Built::hello), {"--admin-token", "t0ken"}));
    const auto without = admin_get(*host, "/_isapi/status");
    CHECK(without.status == 401);
    CHECK(without.header("WWW-Authenticate"));
    CHECK(admin_get(*host, "/_isapi/metrics", "wrong").status == 401);
    CHECK(admin_get(*host, "/_isapi/status", "t0ken").status == 200);
    CHECK(admin_get(*host, "/_isapi/events?since=0", "t0ken").status == 200);
}

TEST_CASE("the admin port serves no extension and the extension port serves no admin endpoint", "[integration][admin]") {
    auto host = start_host_with_admin(map_arg("/hello.dll", Built::hello));
    auto client = client_for(*host);
    const auto on_extension_port = client.get("/_isapi/status");
    CHECK(on_extension_port.status == 404);
    CHECK(on_extension_port.body.find("\"pid\"") == std::string::npos);

    const auto on_admin_port = admin_get(*host, "/hello.dll");
    CHECK(on_admin_port.status == 404);
    CHECK(on_admin_port.body.find("Hello from ISAPI") == std::string::npos);
    CHECK_FALSE(on_admin_port.header("X-Isapi-Build"));
}

TEST_CASE("the admin API refuses a non-loopback address unless remote access is allowed", "[integration][admin]") {
    CHECK_THROWS_WITH(start_host(concat(map_arg("/hello.dll", Built::hello), {"--admin", "0.0.0.0:0"})),
                      Catch::Contains("loopback"));
    auto host = start_host(concat(map_arg("/hello.dll", Built::hello),
                                  {"--admin", "0.0.0.0:0", "--admin-allow-remote", "--admin-token", "x"}));
    CHECK(host->admin_address() == "0.0.0.0");
    CHECK(host->output().find("admin on http://0.0.0.0:") != std::string::npos);
}

TEST_CASE("without --admin the host opens no admin port", "[integration][admin]") {
    auto host = start_host(map_arg("/hello.dll", Built::hello));
    CHECK(host->admin_port() == 0);
    CHECK(host->output().find("admin on") == std::string::npos);
}
