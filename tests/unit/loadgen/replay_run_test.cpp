// Replays driven end to end through the command-line plan builder against a
// loopback server: file order, --loop, and the malformed-line report.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "fault_server.hpp"
#include "test_helpers.hpp"

using namespace isapi::loadgen;
using namespace isapi::loadgen::test;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
    const std::string path = "/tmp/loadgen-replay-" + std::to_string(::getpid()) + "-" + name;
    std::ofstream(path) << text;
    return path;
}

const char* kJsonl =
    "{\"path\":\"/one\"}\n"
    "{\"path\":\"/two\",\"method\":\"POST\",\"body\":\"x\"}\n"
    "not json\n"
    "{\"path\":\"/three?q=1\"}\n";

}  // namespace

TEST_CASE("a replay sends the file's requests in file order, --loop times over", "[replay][client]") {
    FaultServer server(Fault::ok);
    const std::string file = write_temp("order.jsonl", kJsonl);
    CommonOptions common;
    common.threads = 1;
    common.connections = 1;
    ReplayOptions replay;
    replay.file = file;
    replay.target = server.url();
    replay.loop = 2;
    std::ostringstream diagnostics;
    std::size_t malformed = 0;
    const RunPlan plan = plan_for_replay(common, replay, diagnostics, malformed);
    const RunResult r = run_load(plan);
    std::remove(file.c_str());

    require_books_balance(r);
    CHECK(malformed == 1);
    CHECK(diagnostics.str().find(file + ":3: not valid JSON") != std::string::npos);
    CHECK(r.stats.sent() == 6);
    CHECK(server.request_lines() == std::vector<std::string>{"GET /one HTTP/1.1", "POST /two HTTP/1.1",
                                                             "GET /three?q=1 HTTP/1.1", "GET /one HTTP/1.1",
                                                             "POST /two HTTP/1.1", "GET /three?q=1 HTTP/1.1"});
}

TEST_CASE("a timed replay keeps the original spacing, scaled by --speed", "[replay][client]") {
    FaultServer server(Fault::ok);
    const std::string file = write_temp("timed.jsonl",
                                        "{\"path\":\"/a\",\"offset_ms\":0}\n"
                                        "{\"path\":\"/b\",\"offset_ms\":400}\n");
    CommonOptions common;
    common.threads = 1;
    common.connections = 1;
    ReplayOptions replay;
    replay.file = file;
    replay.target = server.url();
    replay.speed = 2;
    std::ostringstream diagnostics;
    std::size_t malformed = 0;
    const RunPlan plan = plan_for_replay(common, replay, diagnostics, malformed);
    const RunResult r = run_load(plan);
    std::remove(file.c_str());
    CHECK(r.stats.sent() == 2);
    CHECK(r.elapsed_s >= 0.2);
    CHECK(r.elapsed_s < 1.0);
}

TEST_CASE("a replay that would loop forever must be bounded", "[replay]") {
    const std::string file = write_temp("forever.jsonl", kJsonl);
    CommonOptions common;
    ReplayOptions replay;
    replay.file = file;
    replay.target = "http://127.0.0.1:1/";
    replay.loop = 0;
    std::ostringstream diagnostics;
    std::size_t malformed = 0;
    CHECK_THROWS_WITH(plan_for_replay(common, replay, diagnostics, malformed), Catch::Contains("--duration"));
    std::remove(file.c_str());
}
