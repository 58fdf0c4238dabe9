#include "cli.hpp"
#include "host.hpp"
#include "../workers/worker_main.hpp"

#include <isapi/contract/host_contract.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <string_view>

int main(int argc, char** argv) {
    using namespace isapi::host;
    // A worker process: the front end re-executes this binary with the
    // channel it created (never typed by a person).
    if (argc == 3 && std::string_view(argv[1]) == "--worker-channel") {
        spdlog::set_default_logger(spdlog::stderr_color_mt("isapi-worker"));
        spdlog::set_pattern(isapi::contract::kWorkerLogPattern);
        const auto channel = isapi::platform::adopt_channel(argv[2]);
        if (!channel) {
            std::fprintf(stderr, "isapi-host: --worker-channel is for the host's own worker processes\n");
            return exit_usage;
        }
        try {
            return run_worker(*channel);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "isapi-host worker: error: %s\n", e.what());
            return exit_runtime_error;
        }
    }
    int exit_code = exit_ok;
    auto config = parse_command_line(argc, argv, exit_code);
    if (!config) return exit_code;

    // stdout carries only the "listening on" line, for scripts; logs go to stderr.
    spdlog::set_default_logger(spdlog::stderr_color_mt("isapi-host"));
    spdlog::set_level(spdlog::level::from_str(config->log_level));
    spdlog::set_pattern(isapi::contract::kLogPattern);
    try {
        return run_host(*config);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "isapi-host: error: %s\n", e.what());
        return exit_runtime_error;
    }
}
