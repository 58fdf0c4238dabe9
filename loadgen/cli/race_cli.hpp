#pragma once
// The `race` subcommand: its options, its outputs (findings as
// they arrive, the summary with the seed and the repro command, --json,
// --junit) and its exit code.
#include <memory>

#include <CLI/CLI.hpp>

namespace isapi::loadgen {

class RaceCommand {
public:
    // Adds `race` to `app`; the options it parses live in this object.
    explicit RaceCommand(CLI::App& app);
    ~RaceCommand();

    // Runs the race when it was chosen; -1 when it was not.
    int run_if_chosen();

    struct Options;

private:
    std::unique_ptr<Options> options_;  // unique: neither copied nor moved
    CLI::App* race_ = nullptr;
};

}  // namespace isapi::loadgen
