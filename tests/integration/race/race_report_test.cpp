// The pieces of `race` that need no host: reading the host's events and log,
// the repro command line, and the JUnit report's mapping of findings to
// modules.
#include <catch2/catch.hpp>

#include "race/host_findings.hpp"
#include "race/race_report.hpp"

using namespace isapi::loadgen;

TEST_CASE("a finding event of the admin API becomes a race finding with its kind, module, load and evidence",
          "[race][events]") {
    const auto event = parse_host_event(
        R"({"seq":12,"mono_us":5,"kind":"finding","module":"double_done.so","load":3,"finding":"double_done","detail":"DONE twice"})");
    REQUIRE(event);
    CHECK(event->seq == 12);
    CHECK(event->kind == "finding");
    const auto finding = finding_of(*event);
    REQUIRE(finding);
    CHECK(finding->kind == "double_done");
    CHECK(finding->module == "double_done.so");
    CHECK(finding->load_generation == 3);
    CHECK(finding->evidence == "DONE twice");

    const auto unload = parse_host_event(R"({"seq":13,"kind":"module_unload","module":"a.so","load":3})");
    REQUIRE(unload);
    CHECK(unload->kind == "module_unload");
    CHECK_FALSE(finding_of(*unload));
    CHECK_FALSE(parse_host_event("not json"));
    CHECK_FALSE(parse_host_event(R"({"kind":"finding"})"));  // no seq
}

TEST_CASE("findings in the host's log are read in both the worker and the in-process forms, and nothing else is",
          "[race][host_log]") {
    const std::string log =
        "2026-11-25T19:16:17.573 warning finding hang in hang_on_terminate.so (worker 16190, load 1): "
        "TerminateExtension of hang_on_terminate.so (load 1) has not returned after 1000 ms (thread 16211)\n"
        "#2  0x00007f4beef114c1 in TerminateExtension (dwFlags=2)\n"
        "[warning] finding double_done in ? (load 0): DONE_WITH_SESSION twice\n"
        "[warning] finding double_done: DONE (module x.so, load 2)\n"  // a worker's own line: not the host's
        "[info] worker 5 exited with code 0\n";
    const auto findings = findings_in_host_log(log);
    REQUIRE(findings.size() == 2);
    CHECK(findings[0].kind == "hang");
    CHECK(findings[0].module == "hang_on_terminate.so");
    CHECK(findings[0].load_generation == 1);
    CHECK(findings[0].evidence.starts_with("TerminateExtension of hang_on_terminate.so (load 1) has not returned"));
    CHECK(findings[0].source == "host log");
    CHECK(findings[1].kind == "double_done");
    CHECK(findings[1].module.empty());
    CHECK(findings[1].evidence == "DONE_WITH_SESSION twice");
}

TEST_CASE("the repro command spells out every setting and quotes what a shell would split", "[race][repro]") {
    RaceConfig c;
    c.modules = {"/tmp/my app.so", "b.so"};
    c.seed = 42;
    c.cycles = 100;
    c.duration_ns = 1'500'000'000;
    c.all = true;
    c.jitter_max_us = 500;
    c.host_args = {"--isolation", "inproc"};
    const std::string repro = race_repro_command(c, "/bin/isapi-loadgen");
    CHECK(repro.starts_with("/bin/isapi-loadgen race --module '/tmp/my app.so' --module b.so --seed 42 --mode uncached "
                            "--cycles 100 --duration 1500ms --all "));
    CHECK(repro.find(" --jitter-max 500us ") != std::string::npos);
    CHECK(repro.find(" --recycle-modes overlapped,immediate ") != std::string::npos);
    CHECK(repro.ends_with(" --host-arg=--isolation --host-arg=inproc"));
    c.modules = {"it's.so"};
    CHECK(race_repro_command(c, "x").find("--module 'it'\\''s.so'") != std::string::npos);
    CHECK(race_duration_text(3'000'000'000) == "3s");
    CHECK(race_duration_text(250'000'000) == "250ms");
}

TEST_CASE("JUnit: one testcase per module, a failure per finding about it, a worker's module list counts for each",
          "[race][junit]") {
    RaceConfig c;
    c.modules = {"dir/a.so", "dir/b.so", "dir/c.so"};
    RaceResult r;
    r.findings.push_back({"pending_at_unload", "a.so, b.so", 0, 1.0, "killed <late>", "events"});
    r.findings.push_back({"pending_at_unload", "", 0, 2.0, "exit code 3", "exit code 3"});
    const std::string x = race_junit_report(c, r, "repro");
    CHECK(x.find("tests=\"4\" failures=\"3\"") != std::string::npos);  // a, b, c and "host"; c passed
    CHECK(x.find("name=\"c.so\" time=\"0.000\"/>") != std::string::npos);
    CHECK(x.find("name=\"host\"") != std::string::npos);
    CHECK(x.find("killed &lt;late&gt;") != std::string::npos);
    CHECK(x.find("killed <late>") == std::string::npos);
}

TEST_CASE("race --expect and --fail-if name the race's counts and each finding kind", "[race][expect]") {
    RaceResult r;
    r.cycles = 420;
    r.dropped = 3;
    r.findings.resize(2);
    r.findings[0].kind = "hang";
    r.findings[1].kind = "hang";
    const MetricLookup lookup = [&](const std::string& m) { return race_metric(m, r); };
    CHECK(race_metric("cycles", r) == 420);
    CHECK(race_metric("findings", r) == 2);
    CHECK(race_metric("hang", r) == 2);
    CHECK(race_metric("double_done", r) == 0);
    CHECK_FALSE(race_metric("done", r));  // part of a kind's name is no metric
    CHECK_FALSE(race_metric("cycle", r));
    const auto outcomes = evaluate_expectations({parse_expectation("cycles>=1000", false, lookup, kRaceMetrics),
                                                 parse_expectation("dropped>10", true, lookup, kRaceMetrics),
                                                 parse_expectation("hang=0", false, lookup, kRaceMetrics)},
                                                lookup);
    REQUIRE(outcomes.size() == 3);
    CHECK_FALSE(outcomes[0].met);
    CHECK(outcomes[0].message == "cycles = 420, expected cycles>=1000");
    CHECK(outcomes[1].met);
    CHECK_FALSE(outcomes[2].met);
    CHECK_THROWS_WITH(parse_expectation("cycle>1", false, lookup, kRaceMetrics), Catch::Contains("unknown metric 'cycle'"));
}
