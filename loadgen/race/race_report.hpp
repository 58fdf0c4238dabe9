#pragma once
// A race's outputs: the command line that repeats it, the findings as text,
// the --json document and the --junit report (one testcase per module).
#include <optional>
#include <string>

#include "../report/conditions.hpp"
#include "race_runner.hpp"

namespace isapi::loadgen {

// The exact command that repeats the race: every setting spelled out, the
// seed included, each argument quoted for a POSIX shell where needed.
std::string race_repro_command(const RaceConfig& config, const std::string& executable);

// A finding for people: "FINDING kind in module (load N) at 1.25 s: evidence",
// the evidence's first line, then at most `max_lines` more of it (a hang's
// stacks), indented, and how many were left out.
std::string race_finding_text(const RaceFinding& finding, std::size_t max_lines = 12);

// The closing summary: counts, how the race ended, the seed and the repro.
std::string race_text_summary(const RaceConfig& config, const RaceResult& result, const std::string& repro);

// What race's --expect and --fail-if can name: findings, cycles, loads,
// recycles, requests, answered, dropped, and a finding kind (how many of it).
extern const char* const kRaceMetrics;
std::optional<double> race_metric(const std::string& metric, const RaceResult& result);

// Keys: seed, repro, findings [{kind, module, load_generation, time_us,
// evidence, source}], cycles, requests, duration_us, and the rest of the
// run's facts (docs/schemas/race.schema.json).
std::string race_json_report(const RaceConfig& config, const RaceResult& result, const std::string& repro);

// One testcase per module (named by its file), a <failure> per finding about
// it; findings that name no mapped module go to a "host" testcase.
std::string race_junit_report(const RaceConfig& config, const RaceResult& result, const std::string& repro);

// A duration as the command line takes it back: "3s", "250ms", "1500us".
std::string race_duration_text(std::int64_t ns);

}  // namespace isapi::loadgen
