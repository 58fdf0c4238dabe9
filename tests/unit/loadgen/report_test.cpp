// Thresholds, the JSON summary and the JUnit report, from a RunResult built
// by hand (no sockets).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "report/json_report.hpp"
#include "report/junit_report.hpp"
#include "report/thresholds.hpp"

using namespace isapi::loadgen;

namespace {

RunResult sample_result() {
    RunResult r;
    r.threads = 2;
    r.connections = 4;
    r.elapsed_s = 1.0;
    r.achieved_rate = 98;
    for (int i = 0; i < 97; ++i) r.stats.add({0, 0, 1000, 2'000'000, 10, 0, 200, 0, ErrorClass::ok}, "B1");
    r.stats.add({0, 0, 1000, 80'000'000, 10, 0, 200, 0, ErrorClass::ok}, "B2");
    r.stats.add({0, 0, -1, 5'000'000, 0, 0, 0, 0, ErrorClass::timeout}, "");
    r.stats.add({0, 0, 1000, 1'000'000, 10, 0, 503, 0, ErrorClass::status_5xx}, "B1");
    return r;
}

}  // namespace

TEST_CASE("thresholds parse metric, operator and a limit with units", "[thresholds]") {
    auto t = parse_threshold("p99>50ms");
    CHECK(t.metric == "p99");
    CHECK(t.op == ">");
    CHECK(t.limit == 50'000);
    CHECK(t.latency);
    CHECK(parse_threshold("p99_uncorrected >= 2").limit == 2'000);  // bare latency numbers are ms
    CHECK(parse_threshold("error_rate>1%").limit == 1);
    CHECK(parse_threshold("timeout!=0").op == "!=");
    CHECK_THROWS_WITH(parse_threshold("p99"), Catch::Contains("METRIC OP VALUE"));
    CHECK_THROWS_WITH(parse_threshold("latency>5ms"), Catch::Contains("unknown metric"));
    CHECK_THROWS_WITH(parse_threshold("errors>many"), Catch::Contains("not a valid limit"));
    // One syntax with swap's --expect: '=' is '=='.
    CHECK(parse_threshold("dropped=0").op == "==");
    CHECK_THROWS_WITH(parse_threshold("p99", true), Catch::StartsWith("--expect 'p99'"));
}

TEST_CASE("an --expect is broken when its condition does not hold", "[thresholds]") {
    const RunResult r = sample_result();
    const auto out = evaluate_thresholds({parse_threshold("p99<50ms", true), parse_threshold("p99<1s", true)}, r);
    REQUIRE(out.size() == 2);
    CHECK(out[0].broken);
    CHECK(out[0].message == "p99 = 80.00ms, which breaks --expect 'p99<50ms'");
    CHECK_FALSE(out[1].broken);
    CHECK(out[1].message == "p99 = 80.00ms, within --expect 'p99<1s'");
}

TEST_CASE("a broken threshold says which one and by how much", "[thresholds]") {
    const RunResult r = sample_result();
    const auto out = evaluate_thresholds(
        {parse_threshold("p99>50ms"), parse_threshold("errors>0"), parse_threshold("max<1s"),
         parse_threshold("timeout>1"), parse_threshold("error_rate>=2%"), parse_threshold("rate<90")},
        r);
    REQUIRE(out.size() == 6);
    CHECK(out[0].broken);
    CHECK(out[0].message == "p99 = 80.00ms, which breaks --fail-if 'p99>50ms'");
    CHECK(out[1].broken);
    CHECK(out[1].actual == 2);
    CHECK(out[2].broken);
    CHECK_FALSE(out[3].broken);
    CHECK(out[4].broken);
    CHECK_FALSE(out[5].broken);
}

TEST_CASE("the JSON summary has the documented keys and counts builds", "[report]") {
    const RunResult r = sample_result();
    ReportInput in;
    in.command = "run";
    in.target = "http://127.0.0.1:1/";
    in.model = Model::open_rate;
    in.target_rate = 100;
    in.result = &r;
    in.thresholds = evaluate_thresholds({parse_threshold("errors>0")}, r);
    const auto j = nlohmann::json::parse(json_report(in));
    for (const char* key : {"sent", "answered", "dropped", "by_class", "achieved_rate_per_s", "latency_us",
                            "latency_uncorrected_us", "builds"})
        CHECK(j.contains(key));
    CHECK(j["sent"] == 100);
    CHECK(j["answered"] == 99);
    CHECK(j["dropped"] == 1);
    CHECK(j["by_class"]["timeout"] == 1);
    CHECK(j["by_class"]["status_5xx"] == 1);
    CHECK(j["builds"]["B1"]["responses"] == 98);
    CHECK(j["builds"]["B2"]["responses"] == 1);
    for (const char* p : {"p50", "p90", "p99", "p999", "p9999", "max"}) CHECK(j["latency_us"].contains(p));
    CHECK(j["passed"] == false);
    CHECK(j["elapsed_us"] == 1e6);
    CHECK(j["target_rate_per_s"] == 100);
    CHECK(j["log_error"].is_null());
}

TEST_CASE("the closed-loop JSON summary has null for the uncorrected latency and the target rate", "[report]") {
    const RunResult r = sample_result();
    ReportInput in;
    in.result = &r;
    const auto j = nlohmann::json::parse(json_report(in));
    CHECK(j.at("latency_uncorrected_us").is_null());
    CHECK(j.at("target_rate_per_s").is_null());
}

TEST_CASE("the JUnit report has a failing case per broken threshold", "[report]") {
    const RunResult r = sample_result();
    ReportInput in;
    in.command = "run";
    in.result = &r;
    in.thresholds = evaluate_thresholds({parse_threshold("p99>50ms"), parse_threshold("dropped>5")}, r);
    const std::string x = junit_report(in);
    CHECK(x.find("failures=\"1\"") != std::string::npos);
    CHECK(x.find("name=\"fail-if p99&gt;50ms\"") != std::string::npos);
    CHECK(x.find("<failure message=\"p99 = 80.00ms, which breaks --fail-if 'p99&gt;50ms'\"/>") != std::string::npos);
    CHECK(x.find("every request is accounted for") != std::string::npos);
}
