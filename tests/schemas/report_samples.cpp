// Writes each JSON report isapi-loadgen produces, from its writer with the
// input a real run gives it (a swap that dropped requests and was checked
// against --expect, a race with a finding and a sanitizer report, ...), so
// validate_report.py can check them against docs/schemas/. The reports
// from real runs are checked by real_reports.sh.
//   report_samples DIR  ->  (DIR made) DIR/run-open.json, run-closed.json, swap.json,
//                           swap-bench.json, race.json
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "race/race_report.hpp"
#include "report/json_report.hpp"
#include "swap/bench_html.hpp"
#include "sample_swap_report.hpp"
#include "swap/swap_report.hpp"

using namespace isapi::loadgen;

namespace {

constexpr std::int64_t kMs = 1'000'000;

RequestRecord answered(std::int64_t at_ns, std::int64_t latency_ns, std::uint16_t status = 200) {
    return {at_ns, at_ns + 10'000, at_ns + latency_ns / 2, at_ns + latency_ns, 230, 1, status, 0, ErrorClass::ok};
}

// Two builds over two workers, one load per request on the second (uncached
// mode), a timeout, and a 503.
RunResult load_result() {
    RunResult r;
    for (int i = 0; i < 200; ++i)
        r.stats.add(answered(i * kMs, 300'000), "app.so; sha256=99cbab0229a5; pid=4100; worker=1; load=1");
    for (int i = 200; i < 390; ++i)
        r.stats.add(answered(i * kMs, 450'000),
                    "app.so; sha256=663b1f279ea5; pid=4133; worker=2; load=" + std::to_string(i - 199));
    r.stats.add({390 * kMs, -1, -1, 392 * kMs, 0, 2, 0, 1, ErrorClass::timeout}, "");
    r.stats.add({391 * kMs, 391 * kMs, 391 * kMs + 5, 391 * kMs + 90'000, 120, 2, 503, 1, ErrorClass::status_5xx},
                "");
    r.elapsed_s = 0.41;
    r.load_window_s = 0.39;
    r.achieved_rate = 1000.5;
    r.threads = 2;
    r.connections = 16;
    return r;
}

std::string run_report(const RunResult& r, Model model) {
    ReportInput in;
    in.command = model == Model::closed ? "replay" : "run";
    in.target = "http://127.0.0.1:8080/app.dll";
    in.model = model;
    in.target_rate = model == Model::open_rate ? 1000 : 0;
    in.result = &r;
    in.malformed = model == Model::closed ? 2 : 0;
    in.thresholds = evaluate_thresholds({parse_threshold("p99>50ms"), parse_threshold("errors>0")}, r);
    return json_report(in);
}

// The unit tests' swap, with the load of load_result() behind it, a
// host that exited, and an expectation of each kind.
SwapReport swap_report() {
    SwapReport r = sample_swap_report();
    r.load = load_result();
    r.expectations = evaluate_expectations({parse_expectation("dropped=0"), parse_expectation("switchover_us>1000000", true)},
                                           r.measures, r.trace);
    r.host_exit = "exited with code 0";
    return r;
}

std::vector<BenchCell> bench_cells() {
    auto run = [](std::uint64_t dropped, double window_us, double switchover_ms) {
        SwapMeasures m;
        m.dropped = dropped;
        m.window_us = window_us;
        m.switchover_ms = switchover_ms;
        m.answered_new = switchover_ms < 0 ? 0 : 100;
        m.during.p99_us = 900;
        return m;
    };
    return {{"rename-copy", "cached", "immediate", {run(0, 800, 60), run(10, 1200, 80)}, {false, true}, ""},
            {"exchange", "uncached", "none", {run(0, 0, -1)}, {false}, "exchange unsupported here"}};
}

std::string race_report() {
    RaceConfig c;
    c.modules = {"samples/hello.so", "buggy/thread_leak.so"};
    c.seed = 7;
    RaceResult r;
    r.findings.push_back({"threads_outlive_terminate", "thread_leak.so", 3, 1.25, "2 threads still run", "events"});
    r.findings.push_back({"hang", "", 0, 2.5, "no module named", "host log"});
    r.sanitizer_reports.push_back({"ThreadSanitizer", "data race racy.c:53 in HttpExtensionProc", "", 4100, 2,
                                   "WARNING: ThreadSanitizer: data race"});
    r.cycles = 1234;
    r.loads = 1236;
    r.recycles = 11;
    r.requests = 4567;
    r.answered = 4560;
    r.dropped = 7;
    r.duration_s = 3.2;
    r.stopped_by = "finding";
    r.host_exit = "exited with code 3";
    r.notes = {"2 events were missed"};
    return race_json_report(c, r, "isapi-loadgen race --module samples/hello.so --seed 7");
}

bool write(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (out) return true;
    std::cerr << "cannot write " << path << "\n";
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: report_samples DIR\n";
        return 64;
    }
    const std::string dir = argv[1];
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const RunResult load = load_result();
    const bool ok = write(dir + "/run-open.json", run_report(load, Model::open_rate)) &&
                    write(dir + "/run-closed.json", run_report(load, Model::closed)) &&
                    write(dir + "/swap.json", swap_json_report(swap_report())) &&
                    write(dir + "/swap-bench.json", bench_json_report(bench_cells())) &&
                    write(dir + "/race.json", race_report());
    return ok ? 0 : 1;
}
