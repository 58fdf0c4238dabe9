#pragma once
// Everything the summary writers (text, JSON, JUnit) need about one run.
#include <cstddef>
#include <string>
#include <vector>

#include "../client/runner.hpp"
#include "thresholds.hpp"

namespace isapi::loadgen {

struct ReportInput {
    std::string command;        // "run" or "replay"
    std::string target;         // the URL
    Model model = Model::closed;
    double target_rate = 0;     // open_rate: planned requests per second on average
    const RunResult* result = nullptr;
    std::size_t malformed = 0;  // replay: lines skipped
    std::vector<ThresholdOutcome> thresholds;
};

inline const char* model_name(Model m) {
    switch (m) {
        case Model::open_rate: return "open";
        case Model::open_replay: return "replay-timed";
        default: return "closed";
    }
}

}  // namespace isapi::loadgen
