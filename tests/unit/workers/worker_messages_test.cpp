// The two JSON bodies the IPC frames carry: the worker's configuration (the
// config frame) and its module events and findings (event frames). Both
// survive a round trip, and text that is not one is refused with
// std::runtime_error, which closes the channel.
#include <workers/worker_config.hpp>
#include <workers/worker_events.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace isapi::host;
using namespace std::chrono_literals;

TEST_CASE("a worker config survives a round trip through its JSON", "[worker_messages]") {
    WorkerConfig sent;
    sent.mappings = {{"/a.dll", "/srv/a.so", LoadMode::uncached}, {"*.isa", "/srv/b.so", std::nullopt}};
    sent.default_mode = LoadMode::uncached;
    sent.document_root = "/srv/www";
    sent.threads = 3;
    sent.shutdown_time_limit = 1234ms;
    sent.identity_header = false;
    sent.generation = 7;
    sent.preload = true;
    sent.standby = true;
    sent.shadow_copy = true;
    sent.log_level = "debug";
    sent.crash_note = "/tmp/notes/worker-7.note";
    sent.hunt.hang_timeout = 250ms;
    sent.hunt.leak_cycles = 5;
    sent.hunt.jitter = JitterSpec{42, 900us};

    const WorkerConfig got = worker_config_from_json(to_json(sent));
    REQUIRE(got.mappings.size() == 2);
    CHECK(got.mappings[0].url == "/a.dll");
    CHECK(got.mappings[0].module == "/srv/a.so");
    CHECK(got.mappings[0].mode == LoadMode::uncached);
    CHECK(got.mappings[1].url == "*.isa");
    CHECK_FALSE(got.mappings[1].mode.has_value());
    CHECK(got.default_mode == LoadMode::uncached);
    CHECK(got.document_root == "/srv/www");
    CHECK(got.threads == 3);
    CHECK(got.shutdown_time_limit == 1234ms);
    CHECK_FALSE(got.identity_header);
    CHECK(got.generation == 7);
    CHECK(got.preload);
    CHECK(got.standby);
    CHECK(got.shadow_copy);
    CHECK(got.log_level == "debug");
    CHECK(got.crash_note == sent.crash_note);
    CHECK(got.hunt.hang_timeout == 250ms);
    CHECK(got.hunt.leak_cycles == 5);
    REQUIRE(got.hunt.jitter);
    CHECK(got.hunt.jitter->seed == 42);
    CHECK(got.hunt.jitter->max == 900us);

    sent.hunt.jitter.reset();
    CHECK_FALSE(worker_config_from_json(to_json(sent)).hunt.jitter.has_value());
}

TEST_CASE("a worker config's handoff block survives a round trip, and stays absent when not set", "[worker_messages]") {
    WorkerConfig sent;
    CHECK_FALSE(worker_config_from_json(to_json(sent)).handoff.has_value());

    WorkerConfig::Handoff handoff;
    handoff.limits.max_header_bytes = 9000;
    handoff.limits.max_body_bytes = 5'000'000'000;  // past 32 bits
    handoff.limits.request_timeout = 1500ms;
    handoff.limits.write_timeout = 2500ms;
    handoff.limits.min_body_bytes_per_second = 0;
    handoff.inline_budget = 750us;
    handoff.io_threads = 3;
    handoff.queue_limit = 123;
    handoff.access_log_fields = "default,BytesSent";
    sent.handoff = handoff;
    const auto got = worker_config_from_json(to_json(sent)).handoff;
    REQUIRE(got);
    CHECK(got->limits.max_header_bytes == 9000);
    CHECK(got->limits.max_body_bytes == 5'000'000'000);
    CHECK(got->limits.request_timeout == 1500ms);
    CHECK(got->limits.write_timeout == 2500ms);
    CHECK(got->limits.min_body_bytes_per_second == 0);
    CHECK(got->inline_budget == 750us);
    CHECK(got->io_threads == 3);
    CHECK(got->queue_limit == 123);
    CHECK(got->access_log_fields == "default,BytesSent");

    sent.handoff->access_log_fields.clear();  // the host keeps no access log
    CHECK(worker_config_from_json(to_json(sent)).handoff->access_log_fields.empty());
    CHECK(runtime_options(sent).queue_limit == 123);
}

TEST_CASE("text that is not a worker config is refused", "[worker_messages]") {
    CHECK_THROWS_AS(worker_config_from_json("not json"), std::runtime_error);
    CHECK_THROWS_AS(worker_config_from_json("[]"), std::runtime_error);
    CHECK_THROWS_AS(worker_config_from_json(R"({"mappings":[]})"), std::runtime_error);  // fields missing
    std::string wrong_type = to_json(WorkerConfig{});
    wrong_type.replace(wrong_type.find("\"threads\":8"), 11, "\"threads\":\"8\"");
    CHECK_THROWS_AS(worker_config_from_json(wrong_type), std::runtime_error);
}

TEST_CASE("every kind of module event survives a round trip", "[worker_messages]") {
    for (auto kind : {ModuleEvent::Kind::loaded, ModuleEvent::Kind::load_failed, ModuleEvent::Kind::terminated,
                      ModuleEvent::Kind::unloaded}) {
        ModuleEvent sent;
        sent.kind = kind;
        sent.path = "/srv/a.so";
        sent.module = "a.so";
        sent.load_generation = 3;
        sent.identity = "build 1";
        sent.description = "A \"quoted\" extension";
        sent.detail = "line one\nline two";
        sent.sha256 = std::string(64, 'f');
        const WorkerEvent got = decode_worker_event(encode_worker_event(sent));
        const auto* m = std::get_if<ModuleEvent>(&got);
        REQUIRE(m);
        CHECK(m->kind == kind);
        CHECK(m->path == sent.path);
        CHECK(m->module == sent.module);
        CHECK(m->load_generation == 3);
        CHECK(m->identity == sent.identity);
        CHECK(m->description == sent.description);
        CHECK(m->detail == sent.detail);
        CHECK(m->sha256 == sent.sha256);
    }
}

TEST_CASE("a finding survives a round trip, its steady-clock time included", "[worker_messages]") {
    isapi::ecb::Finding sent;
    sent.kind = "double_done";
    sent.module = "a.so";
    sent.load_generation = 9;
    sent.evidence = "HSE_REQ_DONE_WITH_SESSION twice";
    const WorkerEvent got = decode_worker_event(encode_worker_event(sent));
    const auto* f = std::get_if<isapi::ecb::Finding>(&got);
    REQUIRE(f);
    CHECK(f->kind == "double_done");
    CHECK(f->module == "a.so");
    CHECK(f->load_generation == 9);
    CHECK(f->time == sent.time);
    CHECK(f->evidence == sent.evidence);
}

TEST_CASE("text that is not a worker event is refused", "[worker_messages]") {
    CHECK_THROWS_AS(decode_worker_event("{"), std::runtime_error);
    CHECK_THROWS_AS(decode_worker_event("42"), std::runtime_error);
    std::string unknown_kind = encode_worker_event(ModuleEvent{});
    unknown_kind.replace(unknown_kind.find("\"loaded\""), 8, "\"exploded\"");
    CHECK_THROWS_AS(decode_worker_event(unknown_kind), std::runtime_error);
    CHECK_THROWS_AS(decode_worker_event(R"({"type":"finding","kind":"hang"})"), std::runtime_error);  // fields missing
}
