#include "swap_cli.hpp"

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <isapi/platform/module_loader.hpp>
#include <isapi/platform/process.hpp>
#include <isapi/platform/renames.hpp>
#include <isapi/platform/terminal.hpp>

#include "session.hpp"
#include "../models/units.hpp"
#include "../report/output_file.hpp"
#include "../report/progress_line.hpp"
#include "progress_options.hpp"
#include "request_options.hpp"
#include "../swap/bench_html.hpp"
#include "../swap/swap_runner.hpp"

namespace isapi::loadgen {

struct SwapCli {
    // swap and swap-bench
    std::string new_file, old_file, samples_dir;
    std::string at = "1s", duration = "3s", timeout = "2s", copy_rate;
    double rate = 2000;
    unsigned threads = 2, connections = 16;
    std::string host_exe;
    std::vector<std::string> host_args;
    std::string json, html, junit;
    bool no_progress = false, quiet = false;
    std::string progress = "auto";
    RequestOptions requests;
    // swap
    std::string strategy, recycle, mode;
    std::string host, admin, admin_token, live, url_path = "/app.dll";
    bool insecure = false;
    std::string ca_file;
    std::vector<std::string> expects, fail_ifs;
    std::string log;
    bool keep = false;
    // swap-bench
    std::vector<std::string> strategies, recycles, modes;
    unsigned repeat = 5;
    std::string bench_at = "400ms", bench_duration = "900ms";
};

namespace {

constexpr int kExitSwapFailed = 3;  // a step failed, or the swap was rolled back

constexpr const char* kSwapFooter = R"(Strategies (how the new file reaches the live path):
  rename-copy    the seed's procedure: rename live to live.old, copy the new file in, recycle, delete live.old
  overwrite      copy over the live file in place (Linux allows it and a mapped module can crash;
                 Windows refuses a loaded DLL with a sharing violation and nothing changes)
  rename-rename  stage live.new, rename live -> live.old, rename live.new -> live
  replace        stage live.new, then one atomic rename over live (Windows: FileRenameInfoEx with
                 POSIX semantics where the system has it, else MoveFileEx, else ReplaceFileW)
  exchange       stage live.new, swap the two names atomically (Linux renameat2 RENAME_EXCHANGE;
                 Windows has no such call: refused, nothing changes)
  shadow         the host loads private copies (--shadow-copy); copy over live in place

Examples:
  # The default demo: the seed's procedure against the best strategy, with the bundled samples;
  # demo.html gets the best strategy's run, demo.seed-procedure.html the seed's
  isapi-loadgen swap --html demo.html

  # The seed's procedure on a slow share, in uncached mode, with reports for people and CI
  isapi-loadgen swap --strategy rename-copy --mode uncached --recycle none --copy-rate 200KiB/s \
      --html swap.html --json swap.json --junit swap.xml

  # Gate a deployment procedure in CI: exit 2 unless it drops nothing
  isapi-loadgen swap --new build/app.so --old deployed/app.so --strategy exchange --recycle overlapped --expect dropped=0

  # Against a host you run yourself, serving /scripts/app.dll from /srv/app.so
  isapi-loadgen swap --host http://127.0.0.1:8080 --admin http://127.0.0.1:8081 --live /srv/app.so \
      --url-path /scripts/app.dll --new build/app.so --strategy replace --recycle overlapped

  # The same host serving https (isapi-host --tls-cert/--tls-key): the load goes over TLS, the admin API stays http
  isapi-loadgen swap --host https://localhost:8443 --ca certs/localhost.crt --admin http://127.0.0.1:8081 \
      --live /srv/app.so --url-path /scripts/app.dll --new build/app.so

Exit codes: 0 swap done and every --expect met (no --fail-if held), 1 bad options or setup failure,
2 an --expect was not met or a --fail-if held, 3 a swap step failed or the swap was rolled back.)";

constexpr const char* kBenchFooter = R"(Example:
  # Every strategy x mode x recycle policy, 5 runs each, with a comparison page
  isapi-loadgen swap-bench --repeat 5 --html bench.html --json bench.json

Exit codes: 0 the matrix ran, 1 bad options, a setup failure, or runs that did not start
(a run that cannot start, e.g. its host does not come up, is reported and skipped;
the rest of the matrix still runs).)";

struct Samples {
    std::string v1, v2;
};

// The bundled version_v1/v2 samples: --samples-dir, $ISAPI_SAMPLES, or the
// build tree's samples/ beside loadgen/.
Samples bundled_samples(const std::string& explicit_dir) {
    namespace fs = std::filesystem;
    std::vector<fs::path> dirs;
    if (!explicit_dir.empty()) dirs.emplace_back(explicit_dir);
    else if (const char* env = std::getenv("ISAPI_SAMPLES"); env && *env) dirs.emplace_back(env);
    else {
        const fs::path self = fs::path(platform::current_executable()).parent_path();
        dirs = {self.parent_path() / "samples", self / "samples", self};
    }
    std::string tried;
    const std::string v1 = "version_v1" + std::string(platform::module_suffix());
    const std::string v2 = "version_v2" + std::string(platform::module_suffix());
    for (const auto& d : dirs) {
        std::error_code ec;
        if (fs::is_regular_file(d / v1, ec) && fs::is_regular_file(d / v2, ec)) return {(d / v1).string(), (d / v2).string()};
        tried += "\n  " + d.string();
    }
    throw std::runtime_error("cannot find the bundled samples " + v1 + " and " + v2 + "; looked in:" + tried +
                             "\n  (build them with `cmake --build BUILD --target isapi_samples`, or give --new FILE)");
}

template <typename T>
T parse_or_throw(std::optional<T> value, const std::string& text, const char* what, const char* choices) {
    if (!value) throw std::invalid_argument(std::string("unknown ") + what + " '" + text + "'; choose " + choices);
    return *value;
}

void add_shared(CLI::App& cmd, SwapCli& o) {
    cmd.add_option("--new", o.new_file, "The build to deploy (default: the bundled version_v2 sample)");
    cmd.add_option("--old", o.old_file, "The build served first, copied to a private live path (default: version_v1)");
    cmd.add_option("--samples-dir", o.samples_dir, "Where the version_v1 and version_v2 samples are (default: the build tree)");
    cmd.add_option("--copy-rate", o.copy_rate, "Throttle every copy, e.g. 200KiB/s, to imitate a large module on a slow share");
    cmd.add_option("-R,--rate", o.rate, "Open-loop requests per second")->capture_default_str()->check(CLI::PositiveNumber);
    cmd.add_option("-t,--threads", o.threads, "Load threads")->capture_default_str()->check(CLI::PositiveNumber);
    cmd.add_option("-c,--connections", o.connections, "Keep-alive connections")->capture_default_str()->check(CLI::PositiveNumber);
    cmd.add_option("--timeout", o.timeout, "Deadline per request; later ones are dropped as timeout")->capture_default_str();
    add_request_options(cmd, o.requests, "a GET of the module's URL");
    cmd.add_option("--host-exe", o.host_exe, "The isapi-host to start (default: $ISAPI_HOST, or the build tree's)");
    cmd.add_option("--host-arg", o.host_args, "Extra isapi-host argument (repeatable), e.g. --host-arg=--isolation --host-arg=inproc");
    cmd.add_option("--json", o.json, "Write the JSON report to FILE (atomically)");
    cmd.add_option("--html", o.html, "Write a self-contained HTML report to FILE (atomically)");
    add_progress_options(cmd, o.progress, o.no_progress);
    cmd.add_flag("-q,--quiet", o.quiet, "Print no summary");
}

SwapConfig base_config(const SwapCli& o, const Samples* samples) {
    SwapConfig c;
    c.new_file = !o.new_file.empty() ? o.new_file : samples->v2;
    c.old_file = !o.old_file.empty() ? o.old_file : (samples ? samples->v1 : "");
    if (!o.copy_rate.empty()) c.copy_rate = parse_byte_rate(o.copy_rate);
    c.rate = o.rate;
    c.threads = o.threads;
    c.connections = o.connections;
    c.timeout_ns = parse_duration_ns(o.timeout);
    c.host_exe = o.host_exe;
    c.host_args = o.host_args;
    UserRequests requests = user_requests(o.requests, std::cerr);
    c.requests = std::move(requests.specs);
    if (!o.requests.replay.empty())
        c.requests_from = std::to_string(c.requests.size()) + " requests from " + o.requests.replay + " in turn";
    else if (!c.requests.empty())
        c.requests_from = "a " + c.requests.front().method + " template";
    return c;
}

// Where the demo's first run (the seed's procedure) reports, beside the
// file its second run goes to: swap-demo.html -> swap-demo.seed-procedure.html.
std::string seed_run_path(const std::string& path) {
    if (path.empty()) return {};
    const std::filesystem::path p(path);
    return (p.parent_path() / (p.stem().string() + ".seed-procedure" + p.extension().string())).string();
}

SwapReport run_one(const SwapConfig& c, const SwapCli& o) {
    ProgressOutput shown(progress_mode_from(o.progress, o.no_progress), platform::StandardStream::output, o.quiet);
    SwapReport r = run_swap(c, progress_to(shown));
    shown.clear();
    return r;
}

int exit_code_of(const SwapReport& r) {
    if (r.trace.failed) return kExitSwapFailed;
    for (const auto& e : r.expectations)
        if (!e.met) return kExitThreshold;
    return kExitOk;
}

// Two runs' key measures in two columns.
std::string side_by_side(const SwapReport& a, const SwapReport& b) {
    auto row = [](const std::string& name, const std::string& x, const std::string& y) {
        char line[200];
        std::snprintf(line, sizeof line, "  %-22s %-30s %s\n", name.c_str(), x.c_str(), y.c_str());
        return std::string(line);
    };
    auto title = [](const SwapReport& r) { return r.strategy + ", " + r.mode + ", " + r.recycle; };
    auto us = [](double v) { return v <= 0 ? std::string("0") : format_duration_us(v); };
    auto ms = [](double v) { return v < 0 ? std::string("never") : format_duration_us(v * 1e3); };
    std::string t = row("", title(a), title(b));
    t += row("dropped", std::to_string(a.measures.dropped), std::to_string(b.measures.dropped));
    std::string ca, cb;
    for (const auto& [k, n] : a.measures.dropped_by_class) ca += k + " " + std::to_string(n) + " ";
    for (const auto& [k, n] : b.measures.dropped_by_class) cb += k + " " + std::to_string(n) + " ";
    t += row("  by class", ca.empty() ? "-" : ca, cb.empty() ? "-" : cb);
    t += row("rename window", us(a.measures.window_us), us(b.measures.window_us));
    t += row("outage", us(a.measures.outage_us), us(b.measures.outage_us));
    t += row("switchover", ms(a.measures.switchover_ms), ms(b.measures.switchover_ms));
    t += row("p99 during the swap", format_duration_us(a.measures.during.p99_us), format_duration_us(b.measures.during.p99_us));
    t += row("throughput dip", std::to_string(static_cast<int>(a.measures.dip_percent)) + "%",
             std::to_string(static_cast<int>(b.measures.dip_percent)) + "%");
    return t;
}

}  // namespace

SwapCommands::SwapCommands(CLI::App& app) : cli_(std::make_unique<SwapCli>()) {
    SwapCli& o = *cli_;
    swap_ = app.add_subcommand("swap", "Replace a live module under load and measure what the swap drops (no arguments: the demo)");
    add_shared(*swap_, o);
    swap_->add_option("--strategy", o.strategy, "rename-copy, overwrite, rename-rename, replace, exchange or shadow");
    swap_->add_option("--recycle", o.recycle, "none, immediate, overlapped or watch (the host's --watch)");
    swap_->add_option("--mode", o.mode, "cached or uncached (IIS's \"Cache ISAPI applications\")");
    swap_->add_option("--at", o.at, "When the swap starts, from the start of the load")->capture_default_str();
    swap_->add_option("-d,--duration", o.duration, "How long the load runs")->capture_default_str();
    swap_->add_option("--host", o.host,
                      "Attach to a running isapi-host at this http:// or https:// URL instead of starting one (needs "
                      "--admin, --live)");
    swap_->add_option("--admin", o.admin, "The attached host's admin API URL (http://)");
    swap_->add_flag("--insecure", o.insecure,
                    "--host https://: do not check the host's certificate (as curl -k)");
    swap_->add_option("--ca", o.ca_file,
                      "--host https://: check the host's certificate against this PEM file's CA certificates instead "
                      "of the system's");
    swap_->add_option("--admin-token", o.admin_token, "Bearer token for the attached host's admin API");
    swap_->add_option("--live", o.live, "The attached host's live module path (the file that is swapped)");
    swap_->add_option("--url-path", o.url_path, "The URL the module answers at")->capture_default_str();
    swap_->add_option("--expect", o.expects, "A condition that must hold, else exit 2: dropped=0, switchover_us<500000, window_us<=1000 (repeatable)");
    swap_->add_option("--fail-if", o.fail_ifs, "A condition that must not hold, else exit 2: dropped>0 (repeatable)");
    swap_->add_option("--junit", o.junit, "Write a JUnit XML report to FILE (atomically)");
    swap_->add_option("--log", o.log, "Keep the per-request log (binary) in FILE");
    swap_->add_flag("--keep", o.keep, "Keep the private folder (live path, host log) and print where it is");
    swap_->footer(kSwapFooter);

    bench_ = app.add_subcommand("swap-bench", "Run every strategy x mode x recycle policy, N times each, and compare");
    add_shared(*bench_, o);
    bench_->add_option("--strategies", o.strategies, "Subset of strategies (default: all)")->delimiter(',');
    bench_->add_option("--modes", o.modes, "Subset of modes (default: cached,uncached)")->delimiter(',');
    bench_->add_option("--recycles", o.recycles, "Subset of recycle policies (default: all four)")->delimiter(',');
    // No -n: in run it means requests, and one short flag has one meaning.
    bench_->add_option("--repeat", o.repeat, "Runs per cell")->capture_default_str()->check(CLI::PositiveNumber);
    bench_->add_option("--at", o.bench_at, "When each swap starts")->capture_default_str();
    bench_->add_option("-d,--duration", o.bench_duration, "How long each run's load lasts")->capture_default_str();
    bench_->footer(kBenchFooter);
}

SwapCommands::~SwapCommands() = default;

namespace {

int run_swap_command(const SwapCli& o) {
    const bool attached = !o.host.empty();
    if (attached && (o.admin.empty() || o.live.empty() || o.new_file.empty()))
        throw std::invalid_argument("--host needs --admin, --live and --new");
    if (!attached && (o.insecure || !o.ca_file.empty()))
        throw std::invalid_argument(std::string(o.insecure ? "--insecure" : "--ca") +
                                    " is for a host attached with --host https://...; the host swap starts serves "
                                    "plain HTTP");
    std::optional<Samples> samples;
    if (!attached && (o.new_file.empty() || o.old_file.empty())) samples = bundled_samples(o.samples_dir);
    std::vector<Expectation> expectations;
    for (const auto& e : o.expects) expectations.push_back(parse_expectation(e));
    for (const auto& e : o.fail_ifs) expectations.push_back(parse_expectation(e, true));

    SwapConfig c = base_config(o, samples ? &*samples : nullptr);
    c.at_ns = parse_duration_ns(o.at);
    c.duration_ns = parse_duration_ns(o.duration);
    if (c.at_ns >= c.duration_ns) throw std::invalid_argument("--at must fall inside --duration");
    c.verify_timeout_ns = c.duration_ns - c.at_ns;
    c.log_path = o.log;
    c.keep_files = o.keep;
    if (attached) {
        c.attach_host = Url::parse(o.host);
        c.attach_admin = Url::parse(o.admin);
        if (c.attach_admin->tls)
            throw std::invalid_argument("--admin " + o.admin +
                                        ": the admin API is reached over plain HTTP (http://), on its own port");
        c.attach_tls = TlsOptions{o.insecure, o.ca_file};
        check_tls_options(*c.attach_host, c.attach_tls);
        // A --ca file that cannot be read stops here, before the live path is touched.
        if (c.attach_host->tls) make_tls_context(*c.attach_host, c.attach_tls);
        c.admin_token = o.admin_token;
        c.live_path = o.live;
    }
    c.url_path = o.url_path;

    // No choice made at all: the demo, the seed's procedure against the best strategy.
    const bool demo = o.strategy.empty() && o.recycle.empty() && o.mode.empty() && o.new_file.empty() && !attached;
    std::vector<SwapConfig> runs;
    if (demo) {
        SwapConfig seed = c;
        seed.strategy = Strategy::rename_copy;
        seed.mode = SwapMode::uncached;
        seed.recycle = RecyclePolicy::none;
        if (o.copy_rate.empty()) seed.copy_rate = 200 * 1024;
        // Where the OS has no atomic exchange (Windows), the best is a shadow
        // copy: the host never holds the live file, so a plain copy deploys.
        SwapConfig best = c;
        best.strategy = platform::exchange_available() ? Strategy::exchange : Strategy::shadow;
        best.mode = SwapMode::cached;
        best.recycle = RecyclePolicy::overlapped;
        runs = {seed, best};
        if (!o.quiet)
            std::cout << "isapi-loadgen swap demo: version v1 -> v2 under " << o.rate << " req/s, twice:\n"
                      << "  1. the seed's procedure, uncached: rename the live module, copy the new one in at "
                      << seed.copy_rate / 1024 << " KiB/s (a slow share)\n"
                      << "  2. the best strategy: "
                      << (best.strategy == Strategy::exchange
                              ? "stage it, exchange the two names atomically"
                              : "the host loads private copies, so the new build is copied over the live file")
                      << ", overlapped recycle\n\n";
    } else {
        c.strategy = parse_or_throw(parse_strategy(o.strategy.empty() ? "exchange" : o.strategy), o.strategy, "strategy",
                                    "rename-copy, overwrite, rename-rename, replace, exchange, shadow");
        c.recycle = parse_or_throw(parse_recycle_policy(o.recycle.empty() ? "overlapped" : o.recycle), o.recycle,
                                   "recycle policy", "none, immediate, overlapped, watch");
        c.mode = parse_or_throw(parse_swap_mode(o.mode.empty() ? "cached" : o.mode), o.mode, "mode", "cached, uncached");
        runs = {c};
    }

    std::vector<SwapReport> reports;
    bool tls_failed = false;
    for (auto run : runs) {
        SwapReport r = run_one(run, o);
        // Where the file system has no atomic exchange, the demo's best
        // strategy is the atomic rename: say so and run that instead.
        if (demo && r.trace.unsupported) {
            if (!o.quiet) std::cout << "(" << r.trace.error << "; running replace instead)\n";
            run.strategy = Strategy::replace;
            r = run_one(run, o);
        }
        r.expectations = evaluate_expectations(expectations, r.measures, r.trace);
        if (!o.quiet) std::cout << swap_text_report(r) << '\n';
        if (r.load.tls && r.load.tls->failed)
            std::cerr << "isapi-loadgen: " << r.load.tls->failed << " TLS handshake" << (r.load.tls->failed == 1 ? "" : "s")
                      << " with " << o.host << " failed: " << r.load.tls->first_error << '\n';
        // As run does: a swap under which not one handshake succeeded measured nothing.
        const RunStats& load = r.load.stats;
        if (r.load.tls && load.sent() > 0 && load.answered() == 0 && load.count(ErrorClass::tls) == load.sent()) {
            std::cerr << "isapi-loadgen: not one of the " << load.sent()
                      << " requests was answered; every TLS handshake failed (above)\n";
            tls_failed = true;
        }
        reports.push_back(std::move(r));
    }
    if (demo && !o.quiet) std::cout << "side by side\n" << side_by_side(reports[0], reports[1]);

    // With two runs (the demo), the files named describe the second, best
    // one, and the first run's go beside them (see seed_run_path).
    const SwapReport& last = reports.back();
    auto write_reports = [&](const SwapReport& r, const auto& where) {
        return write_requested_report(where(o.json), [&] { return swap_json_report(r); }) &&
               write_requested_report(where(o.html), [&] { return swap_html_report(r); }) &&
               write_requested_report(where(o.junit), [&] { return swap_junit_report(r); });
    };
    int code = kExitOk;
    if (!write_reports(last, [](const std::string& path) { return path; }) ||
        (reports.size() == 2 && !write_reports(reports.front(), seed_run_path)))
        code = kExitSetup;
    if (tls_failed) code = kExitSetup;
    // The demo's first run drops by design; its verdict is the best strategy's.
    if (code == kExitOk) code = exit_code_of(last);
    return code;
}

int run_bench_command(const SwapCli& o) {
    std::optional<Samples> samples;
    if (o.new_file.empty() || o.old_file.empty()) samples = bundled_samples(o.samples_dir);
    SwapConfig base = base_config(o, samples ? &*samples : nullptr);
    base.at_ns = parse_duration_ns(o.bench_at);
    base.duration_ns = parse_duration_ns(o.bench_duration);
    if (base.at_ns >= base.duration_ns) throw std::invalid_argument("--at must fall inside --duration");
    // The swap's own wait for the new build ends with the load.
    base.verify_timeout_ns = base.duration_ns - base.at_ns;

    std::vector<Strategy> strategies;
    for (const auto& s : o.strategies)
        strategies.push_back(parse_or_throw(parse_strategy(s), s, "strategy", "rename-copy, overwrite, rename-rename, replace, exchange, shadow"));
    if (strategies.empty()) strategies.assign(std::begin(kAllStrategies), std::end(kAllStrategies));
    std::vector<SwapMode> modes;
    for (const auto& m : o.modes) modes.push_back(parse_or_throw(parse_swap_mode(m), m, "mode", "cached, uncached"));
    if (modes.empty()) modes.assign(std::begin(kAllSwapModes), std::end(kAllSwapModes));
    std::vector<RecyclePolicy> recycles;
    for (const auto& r : o.recycles)
        recycles.push_back(parse_or_throw(parse_recycle_policy(r), r, "recycle policy", "none, immediate, overlapped, watch"));
    if (recycles.empty()) recycles.assign(std::begin(kAllRecyclePolicies), std::end(kAllRecyclePolicies));

    // Progress on stderr: a line redrawn for a person watching, or a line
    // per run for a CI log.
    ProgressOutput shown(progress_mode_from(o.progress, o.no_progress), platform::StandardStream::error, o.quiet);
    const std::size_t total = strategies.size() * modes.size() * recycles.size() * o.repeat;
    std::size_t done = 0;
    const auto started = std::chrono::steady_clock::now();
    std::vector<BenchCell> cells;
    std::size_t runs_not_started = 0;
    for (const auto mode : modes) {
        for (const auto strategy : strategies) {
            for (const auto recycle : recycles) {
                BenchCell cell;
                cell.strategy = std::string(to_string(strategy));
                cell.mode = std::string(to_string(mode));
                cell.recycle = std::string(to_string(recycle));
                for (unsigned rep = 0; rep < o.repeat; ++rep) {
                    SwapConfig c = base;
                    c.strategy = strategy;
                    c.mode = mode;
                    c.recycle = recycle;
                    SwapReport r;
                    try {
                        r = run_swap(c);
                    } catch (const std::exception& failure) {
                        std::string why = failure.what();
                        while (!why.empty() && std::isspace(static_cast<unsigned char>(why.back()))) why.pop_back();
                        // One run that cannot start (a host that does not come up,
                        // a file it cannot read) costs its cell a run, not the
                        // whole matrix its results.
                        ++done;
                        ++runs_not_started;
                        shown.clear();
                        std::fprintf(stderr, "swap-bench: %s %s %s run %u did not start: %s\n", cell.strategy.c_str(),
                                     cell.mode.c_str(), cell.recycle.c_str(), rep + 1, why.c_str());
                        if (cell.note.find("did not start") == std::string::npos)
                            cell.note += std::string(cell.note.empty() ? "" : "; ") + "a run did not start: " + why;
                        continue;
                    }
                    ++done;
                    if (shown.active()) {
                        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
                        char line[160];
                        std::snprintf(line, sizeof line, "[%zu/%zu] %-14s %-9s %-10s dropped %-5llu  %.0fs left", done,
                                      total, cell.strategy.c_str(), cell.mode.c_str(), cell.recycle.c_str(),
                                      static_cast<unsigned long long>(r.measures.dropped),
                                      elapsed / static_cast<double>(done) * static_cast<double>(total - done));
                        shown.show(line);
                    }
                    if (r.trace.unsupported) cell.note = r.trace.error;
                    cell.runs.push_back(r.measures);
                    cell.run_failed.push_back(r.trace.failed);
                }
                cells.push_back(std::move(cell));
            }
        }
    }
    shown.clear();
    if (!o.quiet) std::cout << bench_text_table(cells);
    const bool ok = write_requested_report(o.json, [&] { return bench_json_report(cells); }) &&
                    write_requested_report(o.html, [&] { return bench_html_report(cells, "isapi-loadgen swap-bench"); });
    std::cout.flush();
    if (runs_not_started > 0)
        std::fprintf(stderr, "swap-bench: %zu of %zu run(s) did not start (see above); the table holds the others\n",
                     runs_not_started, total);
    return ok && runs_not_started == 0 ? kExitOk : kExitSetup;
}

}  // namespace

int SwapCommands::run_if_chosen() {
    if (*swap_) return run_swap_command(*cli_);
    if (*bench_) return run_bench_command(*cli_);
    return -1;
}

}  // namespace isapi::loadgen
