#pragma once
// What GET /_isapi/status reports about the host besides its counters. The
// in-process host fills it from its config and module manager; a
// worker-process front end fills it from its workers' reports.
#include "../modules/module_manager.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace isapi::host {

struct MappingStatus {
    std::string url;
    std::string module;  // path as configured
    std::string mode;    // "cached" or "uncached"
};

struct WorkerStatus {
    std::uint32_t pid = 0;
    std::uint64_t generation = 0;
    std::string state;  // "starting", "serving", "draining"
    std::size_t in_flight = 0;
    std::uint64_t served = 0;
};

struct HostStatus {
    std::uint32_t pid = 0;
    std::string isolation;  // "inproc" or "process"
    bool identity_header = true;
    std::vector<MappingStatus> mappings;
    std::vector<WorkerStatus> workers;
    std::vector<ModuleInfo> modules;
    std::string pool_state;  // process isolation: "running", "recycling" or "stopped (...)"
};

}  // namespace isapi::host
