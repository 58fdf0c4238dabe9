#pragma once
// The `swap` and `swap-bench` subcommands: their options, the bundled
// default demo, and the outputs (text, --json, --html, --junit, --expect).
#include <memory>

#include <CLI/CLI.hpp>

namespace isapi::loadgen {

struct SwapCli;  // the parsed options of both subcommands

class SwapCommands {
public:
    explicit SwapCommands(CLI::App& app);
    ~SwapCommands();
    SwapCommands(const SwapCommands&) = delete;
    SwapCommands& operator=(const SwapCommands&) = delete;

    // Runs whichever of the two was given; -1 when neither was.
    int run_if_chosen();

private:
    std::unique_ptr<SwapCli> cli_;
    CLI::App* swap_;
    CLI::App* bench_;
};

}  // namespace isapi::loadgen
