#include "cli.hpp"
#include "host.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
    using namespace isapi::host;
    int exit_code = exit_ok;
    auto config = parse_command_line(argc, argv, exit_code);
    if (!config) return exit_code;

    // stdout carries only the "listening on" line, for scripts; logs go to stderr.
    spdlog::set_default_logger(spdlog::stderr_color_mt("isapi-host"));
    spdlog::set_level(spdlog::level::from_str(config->log_level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    try {
        return run_host(*config);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "isapi-host: error: %s\n", e.what());
        return exit_runtime_error;
    }
}
