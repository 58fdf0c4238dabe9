// --standby-worker over real HTTP: the standby serves nothing until a
// recycle, then takes over with the build on disk at that moment and no
// request fails; a killed standby is replaced; shutdown leaves no process.
#include "worker_support.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <optional>

using namespace isapi::itest;
using namespace isapi::itest::workers;
using namespace std::chrono_literals;

namespace {

struct WorkerSeen {
    long pid = 0;
    std::uint64_t generation = 0;
};

// The worker the status shows in `state`, if exactly one is.
std::optional<WorkerSeen> worker_in(WorkerHost& host, const std::string& state) {
    std::optional<WorkerSeen> found;
    const auto status = host.status();  // kept: the loop reads into it
    for (const auto& w : status["workers"]) {
        if (w["state"] != state) continue;
        if (found) return std::nullopt;
        found = WorkerSeen{w["pid"].get<long>(), w["generation"].get<std::uint64_t>()};
    }
    return found;
}

// Polls the status until a standby (other than `not_this` pid) stands by.
std::optional<WorkerSeen> wait_for_standby(WorkerHost& host, long not_this = 0) {
    std::optional<WorkerSeen> standby;
    wait_until([&] {
        standby = worker_in(host, "standby");
        return standby && standby->pid != not_this;
    }, 5s);
    return standby && standby->pid != not_this ? standby : std::nullopt;
}

std::vector<std::string> standby_host_args(const std::string& module) {
    return args({map_arg("/v.dll", module), {"--preload", "--standby-worker", "--shadow-copy"}});
}

}  // namespace

TEST_CASE("standby worker: the standby serves no request before a recycle, and only the serving worker counts as serving",
          "[integration][workers][standby]") {
    WorkerHost host(standby_host_args(Built::version_v1));
    const auto standby = wait_for_standby(host);
    INFO(host.diagnostics());
    REQUIRE(standby);
    const auto serving = worker_in(host, "serving");
    REQUIRE(serving);
    CHECK(serving->pid != standby->pid);

    for (int i = 0; i < 30; ++i) {
        const auto response = host.get("/v.dll");
        REQUIRE(response.status == 200);
        const auto build = build_of(response);
        REQUIRE(build);
        CHECK(build->pid == serving->pid);
    }
    CHECK(process_alive(standby->pid));
    // Two workers, one of them serving; the standby has served nothing.
    const auto workers = host.status()["workers"];
    CHECK(workers.size() == 2);
    for (const auto& w : workers)
        if (w["pid"].get<long>() == standby->pid) CHECK(w["requests_served"] == 0);
}

TEST_CASE("standby worker: a recycle under light load makes the standby the new worker, serving the build on disk at the recycle, and fails no request",
          "[integration][workers][standby][recycle]") {
    TempDir dir;
    const auto mapped = dir.path() / "v.so";
    std::filesystem::copy_file(Built::version_v1, mapped);
    WorkerHost host(standby_host_args(mapped.string()));
    // The standby started while v1 was on disk.
    const auto standby = wait_for_standby(host);
    REQUIRE(standby);
    REQUIRE(host.get("/v.dll").header("X-Sample-Version") == std::optional<std::string>("v1"));

    LoadDriver load(host, "/v.dll", 2, 100000, 8s);
    REQUIRE(load.wait_every_connection([](const auto& seen) { return seen.size() >= 10; }, 5s));
    overwrite_in_place(Built::version_v2, mapped);
    const auto since = host.last_event_seq();
    REQUIRE(host.recycle("overlapped").status == 202);
    const bool switched = load.wait_every_connection([](const auto& seen) {
        return count_if(seen, [](const Observation& o) { return o.version == "v2"; }) >= 10;
    }, 5s);
    load.stop();
    INFO(host.diagnostics());
    CHECK(switched);
    for (const auto& seen : load.snapshot()) {
        INFO("connection: " << describe(seen));
        CHECK(count_if(seen, [](const Observation& o) { return o.status == 200; }) == seen.size());
        // Every v2 came from the standby, which loaded v2 only when activated.
        for (const auto& o : seen)
            if (o.version == "v2" && o.build) CHECK(o.build->pid == standby->pid);
    }
    // No worker was spawned for the recycle itself: the first start after it
    // is the next standby's.
    const auto started = host.wait_for_event([](const auto& e) { return is_event(e, "worker_start"); }, 5s, since);
    REQUIRE(started);
    CHECK(text_of(*started, "detail").find("standby") != std::string::npos);
    CHECK(wait_for_standby(host, standby->pid));
    const auto metrics = host.metrics();
    CHECK(metric(metrics, "isapi_requests_total{status=\"502\"}") == 0);
    CHECK(metric(metrics, "isapi_requests_total{status=\"503\"}") == 0);
}

TEST_CASE("standby worker: a killed standby is replaced, and the host keeps serving",
          "[integration][workers][standby][crash]") {
    WorkerHost host(standby_host_args(Built::version_v1));
    const auto standby = wait_for_standby(host);
    REQUIRE(standby);
    REQUIRE(::kill(static_cast<pid_t>(standby->pid), SIGKILL) == 0);
    const auto crash = host.wait_for_event([&](const auto& e) { return is_event(e, "worker_crash", standby->generation); }, 5s);
    INFO(host.diagnostics());
    REQUIRE(crash);
    CHECK(text_of(*crash, "detail").find("standby worker") == 0);
    const auto replacement = wait_for_standby(host, standby->pid);
    REQUIRE(replacement);
    CHECK(replacement->generation > standby->generation);
    CHECK(host.get("/v.dll").status == 200);
    CHECK(host.status()["pool"] == "running");
}

TEST_CASE("standby worker: shutdown leaves no worker process behind, the standby included",
          "[integration][workers][standby]") {
    WorkerHost host(standby_host_args(Built::version_v1));
    const auto standby = wait_for_standby(host);
    REQUIRE(standby);
    const auto serving = worker_in(host, "serving");
    REQUIRE(serving);
    const auto status = host.process().stop();
    CHECK(status.describe() == "exited with code 0");
    CHECK(wait_until([&] { return !process_alive(standby->pid) && !process_alive(serving->pid); }, 5s));
}
