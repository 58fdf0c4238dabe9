#include "app.hpp"

#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <isapi/version.hpp>

#include "plan_builder.hpp"
#include "progress_options.hpp"
#include "session.hpp"
#include "race_cli.hpp"
#include "swap_cli.hpp"
#include "../report/log_convert.hpp"

namespace isapi::loadgen {
namespace {

// What run and replay share, after each one's own examples.
constexpr const char* kClassesAndExits = R"(Every request issued ends in exactly one class and sent = answered + dropped:
  ok, status_4xx, status_5xx, unexpected_status (answered)
  refused, reset, eof, timeout, keepalive_race, io_error, tls (dropped; tls: the TLS handshake failed)
Exit codes: 0 success, 1 bad options, setup failure, or not one request answered (the target
is down or refuses, or every TLS handshake failed), 2 a --fail-if held or an --expect did not.)";

constexpr const char* kRunExamples = R"(Examples:
  # closed loop like wrk: 2 threads, 64 keep-alive connections, 10 seconds
  isapi-loadgen run http://127.0.0.1:8080/hello -t2 -c64 -d10s

  # open loop like wrk2: 10000 req/s; latency counts from each intended send time; wrk2's percentile file
  isapi-loadgen run http://127.0.0.1:8080/hello --rate 10000 -d30s -c100 --hgrm run.hgrm

  # ramp 0 -> 1000 req/s over 10 s, then to 5000 over 20 s; fail CI on slow or failed requests
  isapi-loadgen run http://127.0.0.1:8080/ --stages 10s:1000,20s:5000 --fail-if 'p99>50ms' --expect 'errors=0'

  # a form POST with its body from a file, a new connection per request, a progress line a second for a CI log
  isapi-loadgen run http://127.0.0.1:8080/app.dll -m POST --body @form.txt -H 'Content-Type: application/x-www-form-urlencoded' \
      --no-keepalive -n 5000 --progress lines

  # https: the server's certificate is checked against the system's CAs and the URL's host name; a server with a
  # self-signed certificate (scripts/make-tls-cert.sh) is trusted through its PEM file
  isapi-loadgen run https://localhost:8443/hello -c32 -d10s --ca certs/localhost.crt

  # https without checking the certificate (as curl -k), a handshake per request (--no-keepalive; resumed when the
  # server allows it, as a browser would)
  isapi-loadgen run https://127.0.0.1:8443/hello --insecure --no-keepalive -n 2000

)";

constexpr const char* kReplayExamples = R"(Examples:
  # replay an IIS log at twice its original speed, three times over, keeping every request's record
  isapi-loadgen replay u_ex261125.log --target http://127.0.0.1:8080 --speed 2 --loop 3 --log run.bin --json run.json

  # a browser's HAR export as fast as 32 connections allow, only the shop's own requests (not its CDNs')
  isapi-loadgen replay checkout.har --target http://127.0.0.1:8080 --asap -c32 --only-host shop.example.com

  # vegeta's targets file, cycled at 500 req/s for a minute
  isapi-loadgen replay targets.txt --target http://127.0.0.1:8080 --rate 500 --loop 0 -d1m

  # the same log against an https server whose certificate a private CA signed
  isapi-loadgen replay u_ex261125.log --target https://staging.example.com --ca ca.pem --asap

)";

constexpr const char* kConvertFooter = R"(Examples:
  # turn a binary per-request log (run or replay --log x.bin) into CSV
  isapi-loadgen convert-log run.bin -o run.csv
Exit codes: 0 success, 1 the log cannot be read or the CSV written.)";

constexpr const char* kFooter = R"(Examples (each command's --help has more, and the details of its exit codes):
  isapi-loadgen run http://127.0.0.1:8080/hello --rate 10000 -d30s -c100
  isapi-loadgen replay u_ex261125.log --target http://127.0.0.1:8080 --speed 2
  isapi-loadgen swap                          # the demo with the bundled samples
  isapi-loadgen swap-bench --repeat 5 --html bench.html
  isapi-loadgen race --module build/app.so --duration 30s
  isapi-loadgen convert-log run.bin -o run.csv
Exit codes: 0 success, 1 bad options or setup failure, 2 a --fail-if held, an --expect was not met
or race found something, 3 a swap step failed or was rolled back.)";

void add_common(CLI::App& cmd, CommonOptions& o) {
    cmd.add_option("-t,--threads", o.threads, "Worker threads, each with its own event loop")->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd.add_option("-c,--connections", o.connections, "Keep-alive connections, spread over the threads")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd.add_option("-d,--duration", o.duration, "How long to issue requests: 500ms, 10s, 2m (run: default 10s)");
    cmd.add_option("-n,--requests", o.requests, "Stop after issuing this many requests");
    cmd.add_option("-R,--rate", o.rate, "Open loop: requests per second, paced by intended send times")
        ->check(CLI::PositiveNumber);
    cmd.add_option("--stages", o.stages, "Open loop ramps DURATION:RATE,... e.g. 10s:1000,20s:5000");
    cmd.add_option("--timeout", o.timeout, "Deadline per request from its intended send time; late ones are dropped as 'timeout'")
        ->capture_default_str();
    cmd.add_option("-H,--header", o.headers, "Extra request header 'Name: value' (repeatable)");
    cmd.add_option("--log", o.log, "Stream one record per request to FILE (CSV, or binary for .bin/.ilog)");
    cmd.add_option("--log-format", o.log_format, "csv, binary or auto (from the file name)")->capture_default_str();
    cmd.add_option("--json", o.json, "Write the JSON summary to FILE");
    cmd.add_option("--junit", o.junit, "Write a JUnit XML report to FILE");
    cmd.add_option("--hgrm", o.hgrm,
                   "Write the latency percentile distribution to FILE in HdrHistogram's text format (as wrk2 "
                   "prints it; open loop: corrected latency)");
    cmd.add_option("--html", o.html,
                   "Write an HTML page to FILE: latency (p50, p99, max) and throughput over time, and the "
                   "percentile spectrum (inline SVG, opens offline)");
    cmd.add_option("--fail-if", o.fail_if, "Exit 2 when METRIC OP VALUE holds, e.g. 'p99>50ms', 'errors>0', 'error_rate>1%'");
    cmd.add_option("--expect", o.expect, "Exit 2 unless METRIC OP VALUE holds, e.g. 'p99<50ms', 'dropped=0' (as swap's --expect)");
    cmd.add_option("--expect-status", o.expect_status, "Only these statuses are ok; others count as unexpected_status")
        ->delimiter(',');
    cmd.add_flag("--no-keepalive", o.no_keepalive,
                 "Close each connection after its response (sends Connection: close; every request pays a connect, "
                 "and with https a TLS handshake)");
    cmd.add_flag("--insecure", o.insecure,
                 "https: do not check the server's certificate (as curl -k); an error with an http:// target");
    cmd.add_option("--ca", o.ca_file,
                   "https: check the server's certificate against the CA certificates of this PEM file instead of "
                   "the system's (a self-signed certificate is its own CA); an error with an http:// target");
    add_progress_options(cmd, o.progress, o.no_progress);
    cmd.add_flag("-q,--quiet", o.quiet, "Print no summary (use with --json)");
}

// The arguments as typed, quoted where a shell would need it, for the
// HTML page's header.
std::string command_line(int argc, char** argv) {
    std::string out = "isapi-loadgen";
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789-_./:=,@%+") == std::string::npos;
        out += ' ';
        if (plain) {
            out += a;
            continue;
        }
        out += '\'';
        for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        out += '\'';
    }
    return out;
}

int report_error(const std::exception& e) {
    std::cerr << "isapi-loadgen: " << e.what() << '\n';
    return kExitSetup;
}

}  // namespace

int loadgen_main(int argc, char** argv) {
    CLI::App app{"isapi-loadgen: HTTP load generator and log replayer with exact latency accounting.\n"
                 "No request is ever lost from the books: each one is answered or dropped in a named class."};
    // Options start with '-' on every OS. CLI11 would otherwise read
    // "/name" as an option on Windows, and a file given as a POSIX path
    // (as under Wine) would go missing. Subcommands inherit this.
    app.allow_windows_style_options(false);
    app.footer(kFooter);
    app.set_version_flag("--version", "isapi-loadgen " + std::string(version::kVersion));
    app.require_subcommand(1);

    CommonOptions run_common, replay_common;
    RunOptions run;
    ReplayOptions replay;
    std::string convert_in, convert_out;

    auto* run_cmd = app.add_subcommand("run", "Send one request shape to URL, closed loop or at a --rate");
    run_cmd->add_option("URL", run.url, "http://host[:port]/path?query, or https:// (TLS; see --ca, --insecure)")->required();
    run_cmd->add_option("-m,--method", run.method, "Request method")->capture_default_str();
    run_cmd->add_option("--body", run.body, "Request body; @FILE sends the file's bytes (as curl and hey do)");
    add_common(*run_cmd, run_common);
    run_cmd->footer(std::string(kRunExamples) + kClassesAndExits);

    auto* replay_cmd =
        app.add_subcommand("replay", "Replay an IIS W3C log, a HAR file, JSON lines or vegeta targets against --target");
    replay_cmd->add_option("FILE", replay.file, "The file to replay")->required()->check(CLI::ExistingFile);
    replay_cmd->add_option("--target", replay.target, "http://host[:port] or https://host[:port] that receives the requests")
        ->required();
    replay_cmd->add_option("--format", replay.format, "auto, w3c, har, jsonl, vegeta (http targets) or vegeta-json")->capture_default_str();
    replay_cmd->add_option("--speed", replay.speed, "Scale the original timing: 2 = twice as fast")->capture_default_str();
    replay_cmd->add_flag("--asap", replay.asap, "Ignore the original timing; send as fast as the connections allow");
    replay_cmd->add_option("--loop", replay.loop, "Replay the file this many times (0 = until --duration)")
        ->capture_default_str();
    replay_cmd->add_option("--only-host", replay.only_host,
                           "HAR: replay only the entries whose URL is on HOST or HOST:PORT (any case); the others "
                           "(a page's CDN, analytics) are skipped and counted by host on stderr. Default: every "
                           "entry, each sent to --target");
    add_common(*replay_cmd, replay_common);
    replay_cmd->footer(std::string(kReplayExamples) + kClassesAndExits);

    auto* convert_cmd = app.add_subcommand("convert-log", "Convert a binary per-request log to CSV");
    convert_cmd->add_option("FILE", convert_in, "Binary log written by --log x.bin")->required()->check(CLI::ExistingFile);
    convert_cmd->add_option("-o,--output", convert_out, "CSV file to write (default: stdout)");
    convert_cmd->footer(kConvertFooter);

    SwapCommands swap_commands(app);
    RaceCommand race_command(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? kExitOk : kExitSetup;
    }

    try {
        if (const int code = swap_commands.run_if_chosen(); code >= 0) return code;
        if (const int code = race_command.run_if_chosen(); code >= 0) return code;
        run_common.command_line = replay_common.command_line = command_line(argc, argv);
        if (*run_cmd) return run_session("run", run.url, run_common, plan_for_run(run_common, run), 0);
        if (*replay_cmd) {
            std::size_t malformed = 0;
            const RunPlan plan = plan_for_replay(replay_common, replay, std::cerr, malformed);
            return run_session("replay", replay.target, replay_common, plan, malformed);
        }
        std::ifstream in(convert_in, std::ios::binary);
        std::ofstream file;
        if (!convert_out.empty()) file.open(convert_out, std::ios::binary | std::ios::trunc);
        std::string error;
        const long long n = convert_binary_log(in, convert_out.empty() ? std::cout : file, error);
        if (n < 0) {
            std::cerr << "isapi-loadgen: " << convert_in << ": " << error << '\n';
            return kExitSetup;
        }
        if (!convert_out.empty()) std::cerr << "isapi-loadgen: wrote " << n << " records to " << convert_out << '\n';
        return kExitOk;
    } catch (const std::exception& e) {
        return report_error(e);
    }
}

}  // namespace isapi::loadgen
