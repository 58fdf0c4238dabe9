#include "race_cli.hpp"

#include <iostream>
#include <random>

#include <isapi/platform/process.hpp>

#include "plan_builder.hpp"
#include "progress_options.hpp"
#include "request_options.hpp"
#include "session.hpp"
#include "../models/units.hpp"
#include "../race/race_report.hpp"
#include "../report/output_file.hpp"
#include "../report/progress_output.hpp"

namespace isapi::loadgen {

struct RaceCommand::Options {
    std::vector<std::string> modules;
    std::string mode = "uncached";
    std::string seed;  // empty: random
    std::uint64_t cycles = 0;
    std::string duration;
    bool all = false;
    unsigned threads = 2, connections = 4;
    std::string timeout = "2s", recycle_every = "1s", jitter_max = "2ms", hang_timeout = "2s",
                shutdown_time_limit = "10s";
    std::vector<std::string> recycle_modes{"overlapped", "immediate"};
    std::string schedule = "phases";
    RequestOptions requests;
    std::string host_exe;
    std::vector<std::string> host_args;
    std::string json, junit;
    bool keep = false, quiet = false, no_progress = false;
    std::vector<std::string> expects, fail_ifs;
    std::string progress = "auto";
};

namespace {

constexpr int kExitFindings = 2;
// --cycles alone still ends: after this long at the most.
constexpr std::int64_t kCyclesOnlyLimitNs = 600'000'000'000;

constexpr const char* kRaceFooter = R"(Each module is mapped at its own URL (/race0.dll, /race1.dll, ...) of an isapi-host the
race starts (worker processes unless --host-arg says otherwise). Requests churn it: in
uncached mode every request loads, calls, terminates and unloads the module. Busy phases
(every connection sending) alternate with quiescent ones (one request at a time, then a
pause, so the unload, or in cached mode a recycle, comes right after the last completion
with nothing in flight); --schedule busy or quiescent keeps one kind. The requests are a
mix of GETs and POSTs with small bodies (preloaded in lpbData) and large ones (past the
48 KiB preload, read with ReadClient), or yours: --replay FILE (IIS W3C log, HAR, JSON
lines) or --method/--header/--body; each goes to every module's URL, keeping what
followed the original ".dll" and the query. Seeded recycles (overlapped, immediate) come
on top, and the host sleeps a
seeded 0..--jitter-max before GetExtensionVersion, between a request's completion
and the unload, and before TerminateExtension. The host's detectors name what goes
wrong: threads_outlive_terminate, unloaded_code_executed, ecb_after_done,
double_done, pending_at_unload, hang, entry_point_crash, exception_escaped,
leak_per_cycle, unload_ineffective. At the end the host is stopped; an exit code 3
that no finding explains is pending_at_unload. A sanitizer build's reports in the
host's output (ThreadSanitizer's data races, AddressSanitizer's errors) are not
findings: each distinct one is printed as a SANITIZER line (and goes to --json's
sanitizer_reports and --junit), and the first stops the race unless --all.

Examples:
  # Hunt in one extension for 30 s; stop at the first finding; print the seed and the repro
  isapi-loadgen race --module build/app.so --duration 30s

  # Repeat a run exactly (same recycle schedule, same jitter streams)
  isapi-loadgen race --module build/app.so --seed 1234 --duration 30s

  # Two extensions side by side, 500 load/unload cycles, every finding, reports for CI
  isapi-loadgen race --module a.so --module b.so --cycles 500 --all --json race.json --junit race.xml

  # Real traffic instead of the built-in mix: each logged request goes to every module
  isapi-loadgen race --module app.so --replay u_ex261204.log --duration 30s

  # One request template: a form POST with a header
  isapi-loadgen race --module app.so --method POST --body 'a=1&b=2' -H 'Content-Type: application/x-www-form-urlencoded'

  # Cached mode: only recycles churn the modules; immediate ones too
  isapi-loadgen race --module app.so --mode cached --recycle-every 300ms --recycle-modes overlapped,immediate

  # Under ThreadSanitizer: the tsan preset's host, in process
  isapi-loadgen race --module build/tsan/app.so --host-exe build/tsan/host/isapi-host \
      --host-arg=--isolation --host-arg=inproc --duration 60s

Exit codes: 0 nothing was found, 1 bad options or setup failure (no host, no module,
the host did not start), 2 findings or sanitizer reports (each printed, and in --json
and --junit), or an --expect not met or a --fail-if that held.)";

std::uint64_t random_seed() {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32 | device()) % 1'000'000'000'000ULL;
}

std::uint64_t parse_seed(const std::string& text) {
    std::size_t used = 0;
    std::uint64_t seed = 0;
    try {
        seed = std::stoull(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || text[0] == '-')
        throw std::invalid_argument("--seed '" + text + "' is not a whole number from 0 to 2^64-1");
    return seed;
}

std::int64_t milliseconds_of(const std::string& text) { return parse_duration_ns(text, 1'000'000) / 1'000'000; }

RaceConfig config_of(const RaceCommand::Options& o) {
    RaceConfig c;
    c.modules = o.modules;
    const auto mode = parse_race_mode(o.mode);
    if (!mode) throw std::invalid_argument("unknown --mode '" + o.mode + "'; choose uncached or cached");
    c.mode = *mode;
    c.seed = o.seed.empty() ? random_seed() : parse_seed(o.seed);
    c.cycles = o.cycles;
    if (!o.duration.empty()) c.duration_ns = parse_duration_ns(o.duration);
    else if (o.cycles > 0) c.duration_ns = kCyclesOnlyLimitNs;
    c.all = o.all;
    c.threads = o.threads;
    c.connections = o.connections;
    c.timeout_ns = parse_duration_ns(o.timeout);
    c.recycle_every_ns = parse_duration_ns(o.recycle_every);
    c.recycle_modes = o.recycle_modes;
    c.jitter_max_us = parse_duration_ns(o.jitter_max, 1'000'000) / 1'000;
    c.hang_timeout_ms = milliseconds_of(o.hang_timeout);
    c.shutdown_time_limit_ms = milliseconds_of(o.shutdown_time_limit);
    const auto schedule = parse_churn_schedule(o.schedule);
    if (!schedule) throw std::invalid_argument("unknown --schedule '" + o.schedule + "'; choose phases, busy or quiescent");
    c.schedule = *schedule;
    UserRequests requests = user_requests(o.requests, std::cerr);
    c.requests = std::move(requests.specs);
    c.request_args = std::move(requests.args);
    c.host_exe = o.host_exe;
    c.host_args = o.host_args;
    c.keep_files = o.keep;
    return c;
}

int run_race_command(const RaceCommand::Options& o) {
    const RaceConfig c = config_of(o);
    // Checked before the race starts: a typo must not cost a 10-minute run.
    const MetricLookup known = [](const std::string& metric) { return race_metric(metric, RaceResult{}); };
    std::vector<Expectation> expectations;
    for (const auto& e : o.expects) expectations.push_back(parse_expectation(e, false, known, kRaceMetrics));
    for (const auto& e : o.fail_ifs) expectations.push_back(parse_expectation(e, true, known, kRaceMetrics));
    ProgressOutput shown(progress_mode_from(o.progress, o.no_progress), platform::StandardStream::output, o.quiet);
    const std::string repro = race_repro_command(c, platform::current_executable());
    if (!o.quiet) {
        std::cout << "race: seed " << c.seed << (o.seed.empty() ? " (random)" : "") << ", " << c.modules.size()
                  << " module(s), " << to_string(c.mode) << ", up to " << race_duration_text(c.duration_ns);
        if (c.cycles > 0) std::cout << " or " << c.cycles << " cycles";
        std::cout << (c.all ? ", every finding" : ", until the first finding") << '\n' << std::flush;
    }
    // Both callbacks come from the race's polling thread, one at a time.
    RaceProgressFn on_progress;
    if (shown.active()) on_progress = [&shown](const RaceProgress& p) { shown.show(race_progress_line(p)); };
    const RaceResult r = run_race(
        c,
        [&](const RaceFinding& f) {
            shown.clear();
            if (!o.quiet) std::cout << race_finding_text(f) << std::flush;
        },
        on_progress);
    shown.clear();
    if (!o.quiet) {
        // Findings the host logged at its stop were not printed as they came.
        for (const auto& f : r.findings)
            if (f.source != "events") std::cout << race_finding_text(f);
        for (const auto& s : r.sanitizer_reports) std::cout << sanitizer_report_text(s);
        std::cout << race_text_summary(c, r, repro) << std::flush;
    }
    int code = r.findings.empty() && r.sanitizer_reports.empty() ? kExitOk : kExitFindings;
    for (const auto& e : evaluate_expectations(expectations, [&](const std::string& m) { return race_metric(m, r); })) {
        if (!o.quiet) std::cout << "  expect     " << (e.met ? "ok   " : "FAIL ") << e.message << '\n';
        if (!e.met) code = kExitFindings;
    }
    const bool written = write_requested_report(o.json, [&] { return race_json_report(c, r, repro); }) &
                         write_requested_report(o.junit, [&] { return race_junit_report(c, r, repro); });
    if (!written) code = kExitSetup;
    return code;
}

}  // namespace

RaceCommand::RaceCommand(CLI::App& app) : options_(std::make_unique<Options>()) {
    Options& o = *options_;
    race_ = app.add_subcommand("race", "Hunt load/unload and startup/shutdown races in extensions, repeatably from a seed");
    // -m is the method here too, as in run: one meaning per short flag.
    race_->add_option("--module", o.modules, "An extension file to churn (repeatable); each gets its own URL")
        ->required();
    race_->add_option("--mode", o.mode, "uncached (a load/unload cycle per request) or cached (recycles only)")
        ->capture_default_str();
    race_->add_option("--seed", o.seed, "Seed of the recycle schedule and the host's jitter (default: random, printed)");
    race_->add_option("--cycles", o.cycles, "Stop after this many load/unload cycles (alone: at most 10 minutes)");
    race_->add_option("-d,--duration", o.duration, "Stop after this long: 500ms, 30s, 2m (default 10s)");
    race_->add_flag("--all", o.all, "Collect every finding instead of stopping at the first");
    race_->add_option("-t,--threads", o.threads, "Load threads")->capture_default_str()->check(CLI::PositiveNumber);
    race_->add_option("-c,--connections", o.connections, "Concurrent keep-alive connections")
        ->capture_default_str()->check(CLI::PositiveNumber);
    race_->add_option("--timeout", o.timeout, "Deadline per request (a late one is dropped, not a finding)")
        ->capture_default_str();
    race_->add_option("--recycle-every", o.recycle_every, "Mean interval between seeded recycles (0: none); while load/unload cycles keep coming, a recycle waits until the worker has done 40 (the leak trend needs them)")
        ->capture_default_str();
    race_->add_option("--recycle-modes", o.recycle_modes, "Recycle modes to draw from: overlapped, immediate")
        ->delimiter(',')->capture_default_str();
    race_->add_option("--jitter-max", o.jitter_max, "Longest seeded pause at a lifecycle point (0: no jitter)")
        ->capture_default_str();
    race_->add_option("--hang-timeout", o.hang_timeout, "An entry point running longer is the finding hang")
        ->capture_default_str();
    race_->add_option("--shutdown-time-limit", o.shutdown_time_limit,
                      "How long the host waits for running requests at a recycle and at its stop; keep it above "
                      "--hang-timeout plus the time gdb takes for the stacks (up to 6 s), or a hung "
                      "TerminateExtension is killed at the limit (pending_at_unload) before it is named hang")
        ->capture_default_str();
    race_->add_option("--schedule", o.schedule,
                      "phases (busy phases alternate with quiescent ones: one request at a time, the unload "
                      "or a recycle right after the last completion), busy or quiescent")
        ->capture_default_str();
    add_request_options(*race_, o.requests, "the built-in mix of GETs and small and large POSTs");
    race_->add_option("--host-exe", o.host_exe, "The isapi-host to start (default: $ISAPI_HOST, or the build tree's)");
    race_->add_option("--host-arg", o.host_args, "Extra isapi-host argument (repeatable), e.g. --host-arg=--isolation --host-arg=inproc");
    race_->add_option("--json", o.json, "Write the JSON report to FILE (seed, repro, findings, cycles, requests, duration)");
    race_->add_option("--junit", o.junit, "Write a JUnit XML report to FILE: one testcase per module, a failure per finding");
    race_->add_flag("--keep", o.keep, "Keep the private folder with the host's log and print where it is");
    race_->add_option("--expect", o.expects,
                      "A condition that must hold, else exit 2, e.g. 'cycles>=1000', 'dropped=0' (repeatable; "
                      "metrics: findings, cycles, loads, recycles, requests, answered, dropped, a finding kind)");
    race_->add_option("--fail-if", o.fail_ifs, "A condition that must not hold, else exit 2, e.g. 'dropped>100' (repeatable)");
    add_progress_options(*race_, o.progress, o.no_progress);
    race_->add_flag("-q,--quiet", o.quiet, "Print nothing (use with --json)");
    race_->footer(kRaceFooter);
}

RaceCommand::~RaceCommand() = default;

int RaceCommand::run_if_chosen() { return *race_ ? run_race_command(*options_) : -1; }

}  // namespace isapi::loadgen
