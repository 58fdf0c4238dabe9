#pragma once
// Runs a plan and delivers every output the options ask for: progress line,
// text summary, --json, --junit, --hgrm, --html and the --fail-if verdict.
#include <cstddef>
#include <string>

#include "options.hpp"
#include "../client/runner.hpp"

namespace isapi::loadgen {

// Exit codes of isapi-loadgen.
inline constexpr int kExitOk = 0;
inline constexpr int kExitSetup = 1;      // bad options, unreachable setup, unwritable output
inline constexpr int kExitThreshold = 2;  // a --fail-if threshold was broken

int run_session(const std::string& command, const std::string& target, const CommonOptions& common,
                const RunPlan& plan, std::size_t malformed);

}  // namespace isapi::loadgen
