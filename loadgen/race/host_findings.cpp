#include "host_findings.hpp"

#include <isapi/contract/host_contract.hpp>

#include <regex>
#include <sstream>
#include <stdexcept>

namespace isapi::loadgen {

std::optional<RaceFinding> finding_of(const HostEvent& event) {
    if (event.kind != contract::event::finding) return std::nullopt;
    RaceFinding f;
    f.kind = event.finding;
    f.module = event.module;
    f.load_generation = event.load_generation;
    f.evidence = event.detail;
    f.source = "events";
    return f;
}

std::vector<RaceFinding> findings_in_host_log(const std::string& log_text) {
    // spdlog's "[...] [warning] " prefix, then the recorder's own words.
    static const std::regex line_pattern(R"(finding (\S+) in (.*?) \((?:worker [0-9]+, )?load ([0-9]+)\): (.*)$)");
    std::vector<RaceFinding> findings;
    std::istringstream lines(log_text);
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (!std::regex_search(line, m, line_pattern)) continue;
        RaceFinding f;
        f.kind = m[1];
        f.module = m[2] == "?" ? std::string() : std::string(m[2]);
        f.load_generation = std::stoull(m[3]);
        f.evidence = m[4];
        f.source = "host log";
        findings.push_back(std::move(f));
    }
    return findings;
}

}  // namespace isapi::loadgen
