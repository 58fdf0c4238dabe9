// The worker_crash event names the modules of the worker that died, and the
// one it was loading: a module that kills its worker in GetExtensionVersion
// (dies_at_load_ext) never reports itself loaded, yet the crash must point
// at it, whether a request loaded it on demand or the worker preloaded it.
#include "worker_support.hpp"

#include <catch2/catch.hpp>

using namespace isapi::itest;
using namespace isapi::itest::workers;
using namespace std::chrono_literals;

namespace {

std::string crash_detail(WorkerHost& host)
{
    const auto crash = host.wait_for_event([](const auto& e) { return is_event(e, "worker_crash", 1); }, 3s);
    INFO(host.diagnostics());
    REQUIRE(crash);
    return text_of(*crash, "detail");
}

}  // namespace

TEST_CASE("a worker that dies loading a module for a request names that module in worker_crash, as loading",
          "[integration][workers][crash]")
{
    ScopedEnv faults("ISAPI_WORKER_FAULTS", "1:dies_at_load");
    WorkerHost host(args({map_arg("/alive.dll", ISAPI_TEST_DIES_AT_LOAD), map_arg("/hello.dll", Built::hello)}));
    CHECK(host.get("/alive.dll").status == 502);
    const std::string detail = crash_detail(host);
    CHECK(detail.find("exited with code 70; modules: dies_at_load_ext.so (loading); 1 request(s) lost") !=
          std::string::npos);
}

TEST_CASE("a worker that dies preloading names the module it had loaded and the one it was loading",
          "[integration][workers][crash]")
{
    ScopedEnv faults("ISAPI_WORKER_FAULTS", "1:dies_at_load");
    WorkerHost host(args({map_arg("/hello.dll", Built::hello), map_arg("/alive.dll", ISAPI_TEST_DIES_AT_LOAD),
                          {"--preload"}}));
    const std::string detail = crash_detail(host);
    CHECK(detail.find("modules: hello.so, dies_at_load_ext.so (loading); 0 request(s) lost") != std::string::npos);
}
