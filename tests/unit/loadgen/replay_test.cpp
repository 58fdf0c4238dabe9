// Replay readers on real-looking input. A bad line is reported with its file
// and line number and skipped; the good ones around it are kept in order.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "cli/plan_builder.hpp"
#include "replay/readers.hpp"

using namespace isapi::loadgen;

namespace {

// A file name of its own in the temporary folder (tests may run side by side).
std::string scratch_file(const std::string& stem) {
    return (std::filesystem::temp_directory_path() / (stem + "-" + std::to_string(std::random_device{}()))).string();
}

std::string header(const RequestSpec& r, const std::string& name) {
    for (const auto& [n, v] : r.headers)
        if (n == name) return v;
    return "<none>";
}

// Two #Fields blocks (IIS rewrites the header when the field set changes or
// the service restarts), a '+' user agent, a '-' query, and three bad lines.
const char* kIisLog =
    "#Software: Microsoft Internet Information Services 10.0\r\n"
    "#Version: 1.0\r\n"
    "#Date: 2026-11-25 13:00:00\r\n"
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
    "cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n"
    "2026-11-25 13:00:00 10.0.0.5 GET /app/hello.dll - 80 - 10.0.0.9 "
    "Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36 - 200 0 0 15\r\n"
    "2026-11-25 13:00:01 10.0.0.5 POST /app/hello.dll name=a+b&x=1 80 - 10.0.0.9 curl/8.4.0 - 200 0 0 3\r\n"
    "2026-11-25 13:00:01 10.0.0.5 GET /short - 80\r\n"
    "#Software: Microsoft Internet Information Services 10.0\r\n"
    "#Version: 1.0\r\n"
    "#Date: 2026-11-25 14:00:00\r\n"
    "#Fields: date time cs-method cs-uri-stem cs-uri-query cs-host cs(User-Agent) sc-status\r\n"
    "2026-11-25 13:00:03 GET /app/other.dll q=1 www.example.com Edg/119.0+(compatible) 200\r\n"
    "2026-11-25 25:00:03 GET /bad-time - - - 200\r\n"
    "2026-11-25 13:00:04 GET no-slash - - - 200\r\n"
    "\r\n";

}  // namespace

TEST_CASE("an IIS log maps columns by each #Fields block, and a '+' in its user agent is a space again",
          "[replay][w3c]") {
    std::istringstream in(kIisLog);
    const ReplaySource s = read_w3c(in, "u_ex261125.log");
    REQUIRE(s.entries.size() == 3);

    CHECK(s.entries[0].request.method == "GET");
    CHECK(s.entries[0].request.target == "/app/hello.dll");
    CHECK(header(s.entries[0].request, "User-Agent") == "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36");
    CHECK(header(s.entries[0].request, "Host") == "<none>");
    CHECK(s.entries[0].line == 5);

    CHECK(s.entries[1].request.method == "POST");
    CHECK(s.entries[1].request.target == "/app/hello.dll?name=a+b&x=1");
    CHECK(*s.entries[1].time_ms - *s.entries[0].time_ms == Approx(1000));

    CHECK(s.entries[2].request.target == "/app/other.dll?q=1");
    CHECK(header(s.entries[2].request, "Host") == "www.example.com");
    CHECK(header(s.entries[2].request, "User-Agent") == "Edg/119.0 (compatible)");
    CHECK(*s.entries[2].time_ms - *s.entries[0].time_ms == Approx(3000));
}

TEST_CASE("malformed IIS log lines are reported with file and line, and skipped", "[replay][w3c]") {
    std::istringstream in(kIisLog);
    const ReplaySource s = read_w3c(in, "u_ex261125.log");
    REQUIRE(s.malformed.size() == 3);
    CHECK(s.malformed[0].describe() == "u_ex261125.log:7: expected 15 fields as #Fields says, found 7");
    CHECK(s.malformed[1].line == 13);
    CHECK(s.malformed[1].reason.find("bad date/time") != std::string::npos);
    CHECK(s.malformed[2].line == 14);
    CHECK(s.malformed[2].reason.find("does not start with /") != std::string::npos);
}

TEST_CASE("an IIS log line before any #Fields directive is malformed", "[replay][w3c]") {
    std::istringstream in("2026-11-25 13:00:00 GET / - 200\n#Fields: cs-method cs-uri-stem\nGET /ok\n");
    const ReplaySource s = read_w3c(in, "x.log");
    REQUIRE(s.malformed.size() == 1);
    CHECK(s.malformed[0].line == 1);
    REQUIRE(s.entries.size() == 1);
    CHECK_FALSE(s.entries[0].time_ms.has_value());
}

TEST_CASE("a HAR 1.2 file gives method, url, headers, body and timing", "[replay][har]") {
    std::istringstream in(R"({
  "log": {
    "version": "1.2",
    "creator": {"name": "Firefox", "version": "120.0"},
    "entries": [
      {"startedDateTime": "2026-11-25T13:00:00.000+01:00",
       "request": {"method": "GET", "url": "http://shop.example.com/app/cart.dll?id=7", "httpVersion": "HTTP/1.1",
                   "headers": [{"name": "Host", "value": "shop.example.com"}, {"name": "Accept", "value": "*/*"}],
                   "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
       "response": {"status": 200}, "timings": {"send": 0, "wait": 5, "receive": 1}},
      {"startedDateTime": "2026-11-25T12:00:00.250Z",
       "request": {"method": "POST", "url": "http://shop.example.com/app/cart.dll",
                   "headers": [{"name": ":authority", "value": "shop.example.com"}],
                   "postData": {"mimeType": "application/json", "text": "{\"add\":7}"}}},
      {"startedDateTime": "yesterday", "request": {"method": "GET", "url": "http://x/"}},
      {"request": {"method": "GET"}}
    ]
  }
})");
    const ReplaySource s = read_har(in, "session.har");
    REQUIRE(s.entries.size() == 2);
    CHECK(s.entries[0].request.target == "/app/cart.dll?id=7");
    CHECK(header(s.entries[0].request, "Accept") == "*/*");
    CHECK(s.entries[1].request.method == "POST");
    CHECK(s.entries[1].request.body == "{\"add\":7}");
    CHECK(header(s.entries[1].request, "Host") == "shop.example.com");
    CHECK(header(s.entries[1].request, ":authority") == "<none>");
    CHECK(*s.entries[1].time_ms - *s.entries[0].time_ms == Approx(250));
    REQUIRE(s.malformed.size() == 2);
    CHECK(s.malformed[0].describe().find("session.har: log.entries[2]: startedDateTime") == 0);
    CHECK(s.malformed[1].reason.find("no url") != std::string::npos);
}

TEST_CASE("a HAR file that is not JSON names the line where parsing failed", "[replay][har]") {
    std::istringstream in("{\n  \"log\": {\n    \"entries\": [ oops ]\n  }\n}\n");
    const ReplaySource s = read_har(in, "broken.har");
    REQUIRE(s.malformed.size() == 1);
    CHECK(s.malformed[0].line == 3);
    CHECK(s.entries.empty());
}

TEST_CASE("JSON lines give method, path, headers, body and offset, and bad lines are skipped", "[replay][jsonl]") {
    std::istringstream in(
        "{\"method\":\"GET\",\"path\":\"/a\",\"headers\":{\"X-Trace\":\"1\"},\"offset_ms\":0}\n"
        "\n"
        "{\"method\":\"PUT\",\"path\":\"/b\",\"headers\":[[\"X-Trace\",\"2\"]],\"body\":\"data\",\"offset_ms\":12.5}\n"
        "{\"path\":\"/c\"\n"
        "[1,2]\n"
        "{\"path\":\"relative\"}\n"
        "{\"path\":\"/d\",\"offset_ms\":\"soon\"}\n"
        "{\"path\":\"/e\"}\n");
    const ReplaySource s = read_jsonl(in, "requests.jsonl");
    REQUIRE(s.entries.size() == 3);
    CHECK(s.entries[0].request.method == "GET");
    CHECK(header(s.entries[0].request, "X-Trace") == "1");
    CHECK(s.entries[1].request.method == "PUT");
    CHECK(s.entries[1].request.body == "data");
    CHECK(*s.entries[1].time_ms == Approx(12.5));
    CHECK(s.entries[2].request.target == "/e");
    CHECK(s.entries[2].request.method == "GET");
    CHECK(s.entries[2].line == 8);
    REQUIRE(s.malformed.size() == 4);
    CHECK(s.malformed[0].describe() == "requests.jsonl:4: not valid JSON");
    CHECK(s.malformed[1].line == 5);
    CHECK(s.malformed[2].line == 6);
    CHECK(s.malformed[3].line == 7);
}

TEST_CASE("replay timing keeps the original spacing scaled by --speed", "[replay]") {
    ReplaySource s;
    for (double t : {1000.0, 1100.0, 1400.0}) {
        ReplayEntry e;
        e.time_ms = t;
        s.entries.push_back(e);
    }
    RunPlan plan;
    apply_replay_timing(s, 2.0, plan);
    CHECK(plan.model == Model::open_replay);
    CHECK(plan.offsets_ns == std::vector<std::int64_t>{0, 50'000'000, 200'000'000});
    CHECK(plan.period_ns == 300'000'000);  // the span plus one average gap
}

TEST_CASE("a HAR Host header counts in any case: no second Host is added", "[replay][har]") {
    std::istringstream in(R"({"log": {"entries": [
      {"startedDateTime": "2026-11-25T12:00:00.000Z",
       "request": {"method": "GET", "url": "http://shop.example.com/a.dll",
                   "headers": [{"name": "HOST", "value": "shop.example.com"}]}}]}})");
    const ReplaySource s = read_har(in, "upper.har");
    REQUIRE(s.entries.size() == 1);
    std::size_t hosts = 0;
    for (const auto& [name, value] : s.entries[0].request.headers) hosts += name == "HOST" || name == "Host" ? 1 : 0;
    CHECK(hosts == 1);
}

TEST_CASE("vegeta http targets give method, path, headers and an @file body; bad targets are skipped",
          "[replay][vegeta]") {
    const std::string body_file = scratch_file("vegeta-body");
    std::ofstream(body_file, std::ios::binary) << "{\"thing\":1}";
    std::istringstream in("# targets for the cart\n"
                          "GET http://goku:9090/path/to/dragon?item=ball\n"
                          "X-Account-ID: 8675309\n"
                          "\n"
                          "POST https://goku:9090/things\n"
                          "Content-Type: application/json\n"
                          "@" + body_file + "\n"
                          "\n"
                          "PUT http://goku/missing-body\n"
                          "@/nonexistent/vegeta-body\n"
                          "\n"
                          "stray line\n"
                          "DELETE http://goku:9090/path/to/remove\r\n"
                          "Authorization: Token DEADBEEF\r\n");
    const ReplaySource s = read_vegeta_http(in, "targets.txt");
    std::remove(body_file.c_str());
    REQUIRE(s.entries.size() == 3);
    CHECK(s.entries[0].request.method == "GET");
    CHECK(s.entries[0].request.target == "/path/to/dragon?item=ball");
    CHECK(header(s.entries[0].request, "X-Account-ID") == "8675309");
    CHECK(s.entries[0].line == 2);
    CHECK(s.entries[1].request.method == "POST");
    CHECK(s.entries[1].request.target == "/things");
    CHECK(s.entries[1].request.body == "{\"thing\":1}");
    CHECK(s.entries[2].request.method == "DELETE");
    CHECK(header(s.entries[2].request, "Authorization") == "Token DEADBEEF");
    REQUIRE(s.malformed.size() == 2);
    CHECK(s.malformed[0].describe() == "targets.txt:10: cannot read the body file /nonexistent/vegeta-body");
    CHECK(s.malformed[1].line == 12);
}

TEST_CASE("vegeta json targets give method, path, every header value and the base64 body", "[replay][vegeta]") {
    std::istringstream in(
        "{\"method\":\"GET\",\"url\":\"http://goku:9090/a?x=1\",\"header\":{\"X-Id\":[\"1\",\"2\"]}}\n"
        "{\"method\":\"POST\",\"url\":\"http://goku:9090/b\",\"body\":\"aGVsbG8gd29ybGQ=\"}\n"
        "{\"method\":\"POST\",\"url\":\"http://goku:9090/c\",\"body\":\"not base64!\"}\n"
        "{\"method\":\"GET\",\"url\":\"/relative\"}\n"
        "{\"method\":\"PUT\",\"url\":\"http://goku/d\",\"body\":\"YQ==\"}\n");
    const ReplaySource s = read_vegeta_json(in, "targets.json");
    REQUIRE(s.entries.size() == 3);
    CHECK(s.entries[0].request.target == "/a?x=1");
    REQUIRE(s.entries[0].request.headers.size() == 2);
    CHECK(s.entries[0].request.headers[1].second == "2");
    CHECK(s.entries[1].request.body == "hello world");
    CHECK(s.entries[2].request.method == "PUT");
    CHECK(s.entries[2].request.body == "a");
    REQUIRE(s.malformed.size() == 2);
    CHECK(s.malformed[0].describe() == "targets.json:3: body is not base64");
    CHECK(s.malformed[1].describe() == "targets.json:4: url '/relative' is not absolute");
}

TEST_CASE("replay files are told apart by content: vegeta's two formats, our JSON lines, an IIS log",
          "[replay][vegeta]") {
    const std::string path = scratch_file("replay-sniff");
    const auto sniffed_first = [&](const std::string& text) {
        std::ofstream(path, std::ios::binary) << text;
        const ReplaySource s = read_replay_file(path, ReplayFormat::automatic);
        std::remove(path.c_str());
        return s.entries.empty() ? std::string("<none>") : s.entries[0].request.method + " " + s.entries[0].request.target;
    };
    CHECK(sniffed_first("# comment\nGET http://h/x\n") == "GET /x");
    CHECK(sniffed_first("{\"method\":\"PUT\",\"url\":\"http://h/y\"}\n") == "PUT /y");
    CHECK(sniffed_first("{\"method\":\"PUT\",\"path\":\"/z\"}\n") == "PUT /z");
    CHECK(sniffed_first(kIisLog) == "GET /app/hello.dll");
    CHECK(replay_format_from("vegeta") == ReplayFormat::vegeta_http);
    CHECK(replay_format_from("vegeta-json") == ReplayFormat::vegeta_json);
}

TEST_CASE("replay --rate paces the file's requests in turn instead of its timing; --asap with it is refused",
          "[replay][vegeta]") {
    const std::string path = scratch_file("replay-paced");
    std::ofstream(path, std::ios::binary) << "GET http://h/a\n\nPOST http://h/b\n";
    ReplayOptions replay;
    replay.file = path;
    replay.target = "http://127.0.0.1:9";
    replay.loop = 0;
    CommonOptions common;
    common.rate = 100;
    common.duration = "2s";
    std::ostringstream diagnostics;
    std::size_t malformed = 0;
    const RunPlan plan = plan_for_replay(common, replay, diagnostics, malformed);
    CHECK(plan.model == Model::open_rate);
    CHECK(plan.templates.size() == 2);
    CHECK(plan.offsets_ns.empty());
    CHECK(plan.schedule.total() == Approx(200));
    CHECK(diagnostics.str().empty());  // no "has no timing" note: the rate is the timing
    replay.asap = true;
    CHECK_THROWS_WITH(plan_for_replay(common, replay, diagnostics, malformed),
                      "--asap and --rate/--stages contradict each other; choose one");
    std::remove(path.c_str());
}
