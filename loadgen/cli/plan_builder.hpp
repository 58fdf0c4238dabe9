#pragma once
// Turns parsed options into a RunPlan. Throws std::invalid_argument or
// std::runtime_error with a message fit for the user.
#include <ostream>

#include "options.hpp"
#include "../client/runner.hpp"
#include "../replay/replay_entry.hpp"

namespace isapi::loadgen {

// "Name: value" (an -H/--header option) as the pair; throws
// std::invalid_argument for text without a name and a colon.
std::pair<std::string, std::string> split_header(const std::string& h);

// --body TEXT, or --body @FILE for the file's bytes (binary, unchanged);
// throws std::invalid_argument when the file cannot be read.
std::string request_body(const std::string& option);

RunPlan plan_for_run(const CommonOptions& common, const RunOptions& run);

// Malformed lines of the replay file are written to `diagnostics`, and
// their count to `malformed`.
RunPlan plan_for_replay(const CommonOptions& common, const ReplayOptions& replay, std::ostream& diagnostics,
                        std::size_t& malformed);

// Request timing for a replay: offsets from the first request divided by
// `speed`, and the period after which a --loop starts over. Exposed for tests.
void apply_replay_timing(const ReplaySource& source, double speed, RunPlan& plan);

}  // namespace isapi::loadgen
