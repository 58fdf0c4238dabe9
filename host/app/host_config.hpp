#pragma once
// Everything isapi-host is told on its command line.
#include "../modules/load_mode.hpp"
#include "../routing/router.hpp"
#include "../server/limits.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace isapi::host {

struct HostConfig {
    std::string listen_address = "127.0.0.1";
    std::uint16_t listen_port = 8080;
    std::vector<Mapping> mappings;
    LoadMode default_mode = LoadMode::cached;
    std::filesystem::path document_root = ".";
    std::size_t threads = 0;  // 0: chosen from the core count
    std::size_t io_threads = 1;
    std::size_t queue_limit = 1000;
    ServerLimits limits;
    std::chrono::milliseconds shutdown_time_limit{90'000};
    std::string access_log;  // empty: none
    std::string log_level = "info";
    bool identity_header = true;  // X-Isapi-Build on every extension response
    // Admin API (--admin); off while admin_address is empty.
    std::string admin_address;
    std::uint16_t admin_port = 0;
    std::optional<std::string> admin_token;  // then "Authorization: Bearer TOKEN" is required
};

// Exit codes, for scripts and CI.
enum ExitCode : int {
    exit_ok = 0,
    exit_runtime_error = 1,
    exit_usage = 2,
    exit_shutdown_time_limit = 3,  // requests were still running when the host stopped
};

}  // namespace isapi::host
