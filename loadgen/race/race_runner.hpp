#pragma once
// `isapi-loadgen race` (docs/race-hunting.md): starts an isapi-host
// with each module mapped at its own URL, churns load/unload cycles
// (uncached mode: every request is one) and recycles, in busy phases under
// concurrent requests and in quiescent ones right after a last completion
// (churn_schedule.hpp), sends a mix of methods and bodies or the user's
// requests (race_requests.hpp), passes seeded lifecycle jitter to the host,
// and collects the host's findings from its events API until the first one
// (or all of them with `all`), a cycle count or a duration.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../client/request_template.hpp"
#include "churn_schedule.hpp"
#include "sanitizer_reports.hpp"

namespace isapi::loadgen {

enum class RaceMode { uncached, cached };
std::string_view to_string(RaceMode mode);
std::optional<RaceMode> parse_race_mode(std::string_view text);

struct RaceConfig {
    std::vector<std::string> modules;  // extension files; module i answers at race_url_path(i)
    RaceMode mode = RaceMode::uncached;
    std::uint64_t seed = 0;            // the recycle schedule and the host's --jitter stream
    std::uint64_t cycles = 0;          // stop after this many unloads (0: no such bound)
    std::int64_t duration_ns = 10'000'000'000;  // stop after this long
    bool all = false;                  // collect every finding instead of stopping at the first

    unsigned threads = 2;
    unsigned connections = 4;
    std::int64_t timeout_ns = 2'000'000'000;          // per request
    std::int64_t recycle_every_ns = 1'000'000'000;    // mean interval between recycles (0: none)
    std::vector<std::string> recycle_modes{"overlapped", "immediate"};  // drawn from, seeded
    std::int64_t jitter_max_us = 2'000;               // the host's --jitter SEED:MAX (0: none)
    std::int64_t hang_timeout_ms = 2'000;             // the host's --hang-timeout
    std::int64_t shutdown_time_limit_ms = 10'000;     // the host's --shutdown-time-limit (see kRaceFooter)
    ChurnSchedule schedule = ChurnSchedule::phases;   // seeded by `seed` too

    // What to send, each aimed at every module's URL (aimed_target); empty:
    // race_default_requests(). `request_args` are the command-line words
    // that chose them (--replay FILE, --method ...), for the repro.
    std::vector<RequestSpec> requests;
    std::vector<std::string> request_args;

    std::string host_exe;                // empty: locate_host_executable's search
    std::vector<std::string> host_args;  // extra isapi-host arguments
    bool keep_files = false;             // keep the private folder with the host's log
};

struct RaceFinding {
    std::string kind;     // threads_outlive_terminate, hang, ...
    std::string module;   // the module's file name as the host names it
    std::uint64_t load_generation = 0;
    double time_s = 0;    // when the race saw it, from the start of the churn
    std::string evidence;
    std::string source;   // "events", "host log" (logged after the last poll) or "exit code 3"
};

struct RaceResult {
    std::vector<RaceFinding> findings;
    std::uint64_t cycles = 0;     // module unloads
    std::uint64_t loads = 0;      // module loads
    std::uint64_t recycles = 0;   // recycles the admin API accepted
    std::uint64_t requests = 0;   // sent
    std::uint64_t answered = 0;
    std::uint64_t dropped = 0;
    double duration_s = 0;        // the churn, from its start until it stopped
    std::string stopped_by;       // "finding", "cycles" or "duration"
    std::string host_exit;        // "exited with code 0", ...
    int host_exit_code = -1;      // -1: killed by a signal
    std::string work_dir;         // kept with keep_files (the host's log is host.log)
    std::vector<std::string> notes;  // what the race could not see (missed events, failed recycles)
    // What a sanitizer build (tsan, asan presets) reported in the host's
    // output; a first one stops the race like a finding (unless `all`).
    std::vector<SanitizerReport> sanitizer_reports;
};

// Called from the polling thread as each finding arrives.
using FindingFn = std::function<void(const RaceFinding&)>;

// How far the race is, once a second, from the polling thread too.
struct RaceProgress {
    double elapsed_s = 0;
    std::uint64_t cycles = 0, recycles = 0, requests = 0, findings = 0;
};
using RaceProgressFn = std::function<void(const RaceProgress&)>;

// Throws std::runtime_error or std::invalid_argument for setup failures (no
// host, a module that does not exist, a host that does not start).
RaceResult run_race(const RaceConfig& config, const FindingFn& on_finding = {},
                    const RaceProgressFn& on_progress = {});

// "[   12s] cycles 1234  recycles 11  requests 4567  findings 0"
std::string race_progress_line(const RaceProgress& p);

// "/race0.dll", "/race1.dll", ...
std::string race_url_path(std::size_t index);

// The isapi-host arguments for a race (without --listen/--admin).
std::vector<std::string> race_host_arguments(const RaceConfig& config);

}  // namespace isapi::loadgen
