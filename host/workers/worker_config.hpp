#pragma once
// What a worker process is told in its first frame: everything it needs to
// serve requests exactly as the in-process host would.
#include "../detectors/hunt_options.hpp"
#include "../routing/router.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace isapi::host {

struct WorkerConfig {
    std::vector<Mapping> mappings;
    LoadMode default_mode = LoadMode::cached;
    std::string document_root = ".";
    std::size_t threads = 8;
    std::chrono::milliseconds shutdown_time_limit{90'000};
    bool identity_header = true;
    std::uint64_t generation = 1;  // the worker generation, 1 for the first worker
    bool preload = false;          // load every mapped module before reporting ready
    bool shadow_copy = false;      // load private copies, never the deployed files
    std::string log_level = "info";
    HuntOptions hunt;
    std::string crash_note;  // where the crash handler notes a fatal signal's finding ("": no handler)
};

std::string to_json(const WorkerConfig& config);
// Throws std::runtime_error on JSON that does not describe a WorkerConfig.
WorkerConfig worker_config_from_json(std::string_view json);

}  // namespace isapi::host
