// isapi-loadgen race, the real executable, against real isapi-host
// processes: every buggy sample is found with exactly its own kind (exit
// code 2, the --json and --junit reports agree), and every good sample
// churns with zero findings (exit code 0).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <isapi/platform/files.hpp>
#include <isapi/platform/process.hpp>

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string sample(const char* dir, const std::string& name) {
    return (fs::path(dir) / (name + ISAPI_MODULE_SUFFIX)).string();
}

// The churn of each good sample, in seconds: ISAPI_RACE_GOOD_SECONDS, else 3.
std::string good_seconds() {
    const char* env = std::getenv("ISAPI_RACE_GOOD_SECONDS");
    return std::string(env != nullptr && *env != '\0' ? env : "3") + "s";
}

struct RaceRun {
    int exit_code = -1;        // -1: killed (it outlived its bound)
    std::string output;        // stdout and stderr
    nlohmann::json report;     // --json
    std::string junit;         // --junit
    double seconds = 0;        // wall time of the whole command
};

// Runs `isapi-loadgen race ARGS --json --junit` with the build's host, and
// kills it if it runs `limit` past what it was told.
RaceRun run_race(std::vector<std::string> args, std::chrono::seconds limit = std::chrono::seconds(45)) {
    std::string error;
    const auto dir = isapi::platform::make_private_directory("race-test", error);
    REQUIRE(dir);
    const fs::path work(*dir);
    args.insert(args.begin(), "race");
    args.insert(args.end(), {"--host-exe", ISAPI_HOST_EXE, "--json", (work / "race.json").string(), "--junit",
                             (work / "race.xml").string()});
    auto& processes = isapi::platform::system_process_control();
    const auto started = std::chrono::steady_clock::now();
    const auto child = processes.spawn(ISAPI_LOADGEN_EXE, args, {}, error, (work / "output.txt").string());
    REQUIRE(child);
    isapi::platform::close_channel(child->channel);
    auto ended = std::async(std::launch::async, [&processes, pid = child->pid] { return processes.wait(pid); });
    if (ended.wait_for(limit) != std::future_status::ready) processes.kill(child->pid, error);
    const auto status = ended.get();

    RaceRun run;
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    run.exit_code = status.signaled ? -1 : status.code;
    run.output = read_file(work / "output.txt");
    run.report = nlohmann::json::parse(read_file(work / "race.json"), nullptr, false);
    run.junit = read_file(work / "race.xml");
    isapi::platform::remove_tree(work.string());
    return run;
}

std::multiset<std::string> finding_kinds(const RaceRun& run) {
    std::multiset<std::string> kinds;
    if (run.report.is_object() && run.report.contains("findings"))
        for (const auto& f : run.report["findings"]) kinds.insert(f.value("kind", ""));
    return kinds;
}

struct BuggyCase {
    const char* sample;
    const char* kind;
    std::vector<std::string> extra;  // what makes it quicker to find
};

// The good samples. stuck is left out: every plain request to it stays
// pending by design, which pending_at_unload rightly reports. crash only
// crashes on ?crash=1, which the race never sends.
const std::vector<std::string> kGoodSamples = {"hello", "echo",       "redirect",   "transmit", "slow",
                                               "async", "version_v1", "version_v2", "crash"};

// A run that found nothing: no finding, exit code 0, ended by its duration.
void check_clean_run(const RaceRun& run) {
    INFO(run.output);
    REQUIRE(run.report.is_object());
    CHECK(finding_kinds(run).empty());
    CHECK(run.exit_code == 0);
    CHECK(run.report.value("stopped_by", "") == "duration");
}

}  // namespace

TEST_CASE("race finds each buggy sample with exactly its own finding kind, exit code 2, in --json and --junit",
          "[race][buggy]") {
    const BuggyCase c = GENERATE(values<BuggyCase>({
        {"thread_leak", "threads_outlive_terminate", {}},
        {"late_thread", "unloaded_code_executed", {}},
        {"use_after_done", "ecb_after_done", {}},
        {"double_done", "double_done", {}},
        {"pending_forever", "pending_at_unload", {"--recycle-every", "500ms", "--shutdown-time-limit", "1s"}},
        {"leak_per_load", "leak_per_cycle", {}},
        {"hang_on_terminate", "hang", {"--hang-timeout", "1s"}},
        {"throw_in_proc", "exception_escaped", {}},
        {"nodelete", "unload_ineffective", {}},
        // Only an unload in the millisecond after a last completion: the quiescent phases.
        {"return_after_done", "unloaded_code_executed", {}},
        // Only a POST body preloaded whole: the default request mix.
        {"small_post_double_free", "entry_point_crash", {}},
    }));
    CAPTURE(c.sample, c.kind);
    std::vector<std::string> args{"--module", sample(ISAPI_BUGGY_DIR, c.sample), "--seed", "7", "--duration", "20s"};
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    const RaceRun run = run_race(args);
    INFO(run.output);
    REQUIRE(run.report.is_object());
    // Stopped at its first finding: one, of the sample's own kind.
    CHECK(finding_kinds(run) == std::multiset<std::string>{c.kind});
    CHECK(run.exit_code == 2);
    REQUIRE(run.report["findings"].size() == 1);
    WARN(c.sample << ": " << c.kind << " found after " << run.report["findings"][0].value("time_us", -1.0) / 1e6
                  << " s of churn");

    // The report's facts: the finding names the module; the repro repeats the seed.
    const auto& first = run.report["findings"][0];
    CHECK(first.value("module", "").find(c.sample) != std::string::npos);
    CHECK_FALSE(first.value("evidence", "").empty());
    CHECK(run.report.value("seed", 0ULL) == 7);
    CHECK(run.report.value("repro", "").find("--seed 7") != std::string::npos);
    CHECK(run.report.value("stopped_by", "") == "finding");
    CHECK(run.output.find("FINDING " + std::string(c.kind)) != std::string::npos);
    CHECK(run.output.find("repro: ") != std::string::npos);
    // JUnit: the module's testcase fails with the kind.
    CHECK(run.junit.find(std::string("name=\"") + c.sample + ISAPI_MODULE_SUFFIX + "\"") != std::string::npos);
    CHECK(run.junit.find(std::string("<failure type=\"") + c.kind + "\"") != std::string::npos);
}

TEST_CASE("race churns every good sample with zero findings and exit code 0 (the false-positive test)",
          "[race][false_positives]") {
    const std::string name = GENERATE(from_range(kGoodSamples));
    CAPTURE(name);
    const RaceRun run = run_race({"--module", sample(ISAPI_SAMPLES_DIR, name), "--duration", good_seconds(), "--all",
                                  "--recycle-modes", "overlapped,immediate"});
    check_clean_run(run);
    // The churn happened: load/unload cycles and answered requests.
    CHECK(run.report.value("cycles", 0ULL) > 0);
    CHECK(run.report.value("answered", 0ULL) > 0);
    CHECK(run.junit.find("failures=\"0\"") != std::string::npos);
}

TEST_CASE("race sends a replay file's requests or a template instead of its mix, to every module",
          "[race][requests]") {
    const std::string buggy = sample(ISAPI_BUGGY_DIR, "small_post_double_free");
    // GETs alone (a template) never take the small-body path: nothing to
    // find. -m is the method, as in run.
    const RaceRun gets =
        run_race({"--module", buggy, "--seed", "5", "--duration", "2s", "-m", "GET", "--progress", "lines"});
    check_clean_run(gets);
    // A progress line a second, for a CI log (the output is a file here).
    CHECK(gets.output.find("s] cycles ") != std::string::npos);
    CHECK(gets.output.find("  findings 0\n") != std::string::npos);
    CHECK(gets.report.value("answered", 0ULL) > 0);
    CHECK(gets.report.value("repro", "").find("--method GET") != std::string::npos);

    // A replayed form POST does; its path is replaced by the module's URL.
    std::string error;
    const auto dir = isapi::platform::make_private_directory("race-replay", error);
    REQUIRE(dir);
    const std::string replay = (fs::path(*dir) / "traffic.jsonl").string();
    std::ofstream(replay) << R"({"method":"GET","path":"/shop/cart.dll?step=1"})" "\n"
                          << R"({"method":"POST","path":"/shop/cart.dll/pay","body":"card=1&amount=2"})" "\n";
    const RaceRun posts = run_race({"--module", buggy, "--seed", "5", "--duration", "20s", "--replay", replay});
    isapi::platform::remove_tree(*dir);
    INFO(posts.output);
    CHECK(finding_kinds(posts) == std::multiset<std::string>{"entry_point_crash"});
    CHECK(posts.exit_code == 2);
    CHECK(posts.report.value("repro", "").find("--replay " + replay) != std::string::npos);
}

TEST_CASE("race without --seed draws one, prints it, and its repro names it along with every module", "[race][repro]") {
    const std::string hello = sample(ISAPI_SAMPLES_DIR, "hello");
    const std::string echo = sample(ISAPI_SAMPLES_DIR, "echo");
    const RaceRun run = run_race({"--module", hello, "--module", echo, "--duration", "1s"});
    INFO(run.output);
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == 0);
    const auto seed = run.report.value("seed", 0ULL);
    CHECK(run.output.find("race: seed " + std::to_string(seed) + " (random)") != std::string::npos);
    const std::string repro = run.report.value("repro", "");
    CHECK(repro.find(" race --module " + hello + " --module " + echo + " --seed " + std::to_string(seed)) !=
          std::string::npos);
    CHECK(run.output.find("repro: " + repro) != std::string::npos);
    // One testcase per module.
    CHECK(run.junit.find("name=\"hello" ISAPI_MODULE_SUFFIX "\"") != std::string::npos);
    CHECK(run.junit.find("name=\"echo" ISAPI_MODULE_SUFFIX "\"") != std::string::npos);
}

TEST_CASE("race --cycles stops the churn at that many load/unload cycles", "[race][bounds]") {
    const RaceRun run = run_race({"--module", sample(ISAPI_SAMPLES_DIR, "hello"), "--cycles", "30", "--seed", "3"});
    INFO(run.output);
    REQUIRE(run.report.is_object());
    CHECK(run.exit_code == 0);
    CHECK(run.report.value("stopped_by", "") == "cycles");
    CHECK(run.report.value("cycles", 0ULL) >= 30);
    CHECK(run.report.value("duration_us", 99e6) < 10e6);
}

TEST_CASE("race with a module file that does not exist is a setup failure, exit code 1", "[race][setup]") {
    const RaceRun run = run_race({"--module", "/nonexistent/race-test.so", "--duration", "1s"});
    INFO(run.output);
    CHECK(run.exit_code == 1);
    CHECK(run.output.find("/nonexistent/race-test.so: no such file") != std::string::npos);
}

TEST_CASE("race churns all the good samples at once for 30 s with zero findings (the false-positive run)",
          "[race][false_positives]") {
    // One host, every good sample at its own URL, 30 s: the 30 s per sample
    // of the false-positive bar, side by side so CI pays it once (bench/race_bars.sh gives each
    // sample 60 s of its own).
    std::vector<std::string> args;
    for (const auto& name : kGoodSamples) args.insert(args.end(), {"--module", sample(ISAPI_SAMPLES_DIR, name)});
    args.insert(args.end(), {"--duration", "30s", "--all", "--connections", "9", "--recycle-modes", "overlapped,immediate"});
    const RaceRun run = run_race(args, std::chrono::seconds(60));
    check_clean_run(run);
    CHECK(run.report.value("cycles", 0ULL) > 100);
}
