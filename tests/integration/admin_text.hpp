#pragma once
// Reading the admin API's text answers in tests: a Prometheus sample's value
// and the events endpoint's JSON lines. Shared by every suite that uses the
// admin API.
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace isapi::itest {

// The value of a Prometheus sample line, e.g. `isapi_requests_total{status="503"}`; 0 when absent.
inline double metric(const std::string& metrics_text, const std::string& sample) {
    std::istringstream in(metrics_text);
    for (std::string line; std::getline(in, line);)
        if (line.size() > sample.size() && line.compare(0, sample.size(), sample) == 0 && line[sample.size()] == ' ')
            return std::stod(line.substr(sample.size() + 1));
    return 0;
}

// One JSON value per non-empty line (GET /_isapi/events).
inline std::vector<nlohmann::json> json_lines(const std::string& body) {
    std::vector<nlohmann::json> values;
    std::istringstream in(body);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) values.push_back(nlohmann::json::parse(line));
    return values;
}

}  // namespace isapi::itest
