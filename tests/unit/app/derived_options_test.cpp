// Both isolation modes must run extensions with the same settings: the
// in-process runtime's options and a worker's, after the trip through the
// worker's first frame, agree field by field.
#include "app/derived_options.hpp"
#include "workers/worker_config.hpp"

#include <catch2/catch.hpp>

#include <limits>

namespace isapi::host {
namespace {

// Every field away from its default, so that a field dropped on the way
// shows as the default instead of the value set here.
HostConfig unusual_config() {
    HostConfig c;
    c.isolation = Isolation::inproc;
    c.mappings = {Mapping{"/a.dll", "/srv/ext/a.so", std::nullopt},
                  Mapping{"*.isa", "/srv/ext/handler.so", LoadMode::cached}};
    c.default_mode = LoadMode::uncached;
    c.document_root = "/srv/site/../www/";
    c.threads = 3;
    c.queue_limit = 7;
    c.shutdown_time_limit = std::chrono::milliseconds(1234);
    c.identity_header = false;
    c.log_level = "debug";
    c.preload = true;
    c.standby_worker = true;
    c.shadow_copy = true;
    c.recycle_after_requests = 11;
    c.recycle_after_age = std::chrono::milliseconds(13'000);
    c.rapid_fail_crashes = 2;
    c.rapid_fail_window = std::chrono::milliseconds(17'000);
    c.ping_interval = std::chrono::milliseconds(19);
    c.ping_timeout = std::chrono::milliseconds(23);
    c.hunt.hang_timeout = std::chrono::milliseconds(29);
    c.hunt.leak_cycles = 31;
    c.hunt.jitter = JitterSpec{37, std::chrono::microseconds(41)};
    return c;
}

// What a worker started for `config` runs extensions with.
ExtensionRuntimeOptions worker_side(const HostConfig& config) {
    const WorkerConfig received = worker_config_from_json(to_json(pool_options(config).worker));
    return runtime_options(received);
}

void check_same_settings(const ExtensionRuntimeOptions& inproc, const ExtensionRuntimeOptions& worker) {
    REQUIRE(worker.mappings.size() == inproc.mappings.size());
    for (std::size_t i = 0; i < inproc.mappings.size(); ++i) {
        CHECK(worker.mappings[i].url == inproc.mappings[i].url);
        CHECK(worker.mappings[i].module == inproc.mappings[i].module);
        CHECK(worker.mappings[i].mode == inproc.mappings[i].mode);
    }
    CHECK(worker.default_mode == inproc.default_mode);
    CHECK(worker.document_root == inproc.document_root);
    CHECK(worker.threads == inproc.threads);
    CHECK(worker.shutdown_time_limit == inproc.shutdown_time_limit);
    CHECK(worker.hunt.hang_timeout == inproc.hunt.hang_timeout);
    CHECK(worker.hunt.leak_cycles == inproc.hunt.leak_cycles);
    REQUIRE(worker.hunt.jitter.has_value() == inproc.hunt.jitter.has_value());
    if (inproc.hunt.jitter) {
        CHECK(worker.hunt.jitter->seed == inproc.hunt.jitter->seed);
        CHECK(worker.hunt.jitter->max == inproc.hunt.jitter->max);
    }
    CHECK(worker.identity.pid == inproc.identity.pid);  // this process on both sides here
    CHECK(worker.identity.worker_generation == inproc.identity.worker_generation);
    CHECK(worker.identity.header == inproc.identity.header);
}

TEST_CASE("in process and in a worker, extensions run with the same settings") {
    const HostConfig config = unusual_config();
    const ExtensionRuntimeOptions inproc = runtime_options(config);
    check_same_settings(inproc, worker_side(config));
}

TEST_CASE("the runtime options carry every setting of the command line") {
    const HostConfig config = unusual_config();
    const ExtensionRuntimeOptions o = runtime_options(config);
    REQUIRE(o.mappings.size() == 2);
    CHECK(o.mappings[1].mode == LoadMode::cached);
    CHECK(o.default_mode == LoadMode::uncached);
    CHECK(o.document_root == std::filesystem::path("/srv/www/"));
    CHECK(o.threads == 3);
    CHECK(o.queue_limit == 7);
    CHECK(o.shutdown_time_limit == std::chrono::milliseconds(1234));
    CHECK(o.hunt.hang_timeout == std::chrono::milliseconds(29));
    CHECK(o.hunt.leak_cycles == 31);
    REQUIRE(o.hunt.jitter.has_value());
    CHECK(o.hunt.jitter->seed == 37);
    CHECK(o.identity.worker_generation == 1);
    CHECK_FALSE(o.identity.header);
}

TEST_CASE("with workers the front end applies the queue limit, in process the runtime does") {
    const HostConfig config = unusual_config();
    CHECK(runtime_options(config).queue_limit == 7);
    CHECK(pool_options(config).queue_limit == 7);
    // The worker's pool runs only what its front end already let through.
    CHECK(worker_side(config).queue_limit == std::numeric_limits<std::size_t>::max());
}

TEST_CASE("the pool gets the worker-only settings and its own") {
    const AppPoolOptions o = pool_options(unusual_config());
    CHECK(o.worker.preload);
    CHECK(o.worker.shadow_copy);
    CHECK(o.worker.log_level == "debug");
    CHECK(o.worker.generation == 1);
    CHECK(o.recycle_after_requests == 11);
    CHECK(o.recycle_after_age == std::chrono::milliseconds(13'000));
    CHECK(o.rapid_fail_crashes == 2);
    CHECK(o.rapid_fail_window == std::chrono::milliseconds(17'000));
    CHECK(o.ping_interval == std::chrono::milliseconds(19));
    CHECK(o.ping_timeout == std::chrono::milliseconds(23));
    CHECK(o.standby_worker);
    CHECK_FALSE(o.worker.standby);  // set per spawn, for the standby only
    CHECK_FALSE(o.executable.empty());
}

// The command line's defaults are the parts' defaults, not copies of them.
TEST_CASE("a default host config derives the parts' defaults") {
    const HostConfig config;
    const ExtensionRuntimeOptions runtime = runtime_options(config);
    const ExtensionRuntimeOptions runtime_default;
    CHECK(runtime.default_mode == runtime_default.default_mode);
    CHECK(runtime.queue_limit == runtime_default.queue_limit);
    CHECK(runtime.shutdown_time_limit == runtime_default.shutdown_time_limit);
    CHECK(runtime.hunt.hang_timeout == runtime_default.hunt.hang_timeout);
    CHECK(runtime.hunt.leak_cycles == runtime_default.hunt.leak_cycles);
    CHECK(runtime.identity.header == runtime_default.identity.header);
    CHECK(runtime.threads == default_thread_count());
    CHECK(runtime.threads >= runtime_default.threads);

    const AppPoolOptions pool = pool_options(config);
    const AppPoolOptions pool_default;
    CHECK(pool.queue_limit == pool_default.queue_limit);
    CHECK(pool.rapid_fail_crashes == pool_default.rapid_fail_crashes);
    CHECK(pool.rapid_fail_window == pool_default.rapid_fail_window);
    CHECK(pool.recycle_after_requests == pool_default.recycle_after_requests);
    CHECK(pool.recycle_after_age == pool_default.recycle_after_age);
    CHECK(pool.ping_interval == pool_default.ping_interval);
    CHECK(pool.ping_timeout == pool_default.ping_timeout);
    CHECK(pool.worker.log_level == pool_default.worker.log_level);
    CHECK(pool.worker.shutdown_time_limit == pool_default.worker.shutdown_time_limit);
}

}  // namespace
}  // namespace isapi::host
