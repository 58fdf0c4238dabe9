#pragma once
// The loop both JSON-lines readers share (ours and vegeta's json targets):
// one JSON value per line, blank lines skipped, a line that is not JSON or
// that `problem_of` refuses reported with its number and skipped.
#include <istream>
#include <string>

#include <nlohmann/json.hpp>

#include "replay_entry.hpp"

namespace isapi::loadgen {

// `problem_of(json, entry)` fills the entry and returns "" or what is wrong.
template <typename ProblemOf>
ReplaySource read_json_lines(std::istream& in, const std::string& name, ProblemOf problem_of) {
    ReplaySource out;
    std::string text;
    std::size_t number = 0;
    while (std::getline(in, text)) {
        ++number;
        if (!text.empty() && text.back() == '\r') text.pop_back();
        if (text.find_first_not_of(" \t") == std::string::npos) continue;
        ReplayEntry e;
        e.line = number;
        std::string problem;
        try {
            problem = problem_of(nlohmann::json::parse(text), e);
        } catch (const nlohmann::json::out_of_range&) {  // 1e999: too large for a double
            problem = "a number is out of range";
        } catch (const nlohmann::json::exception&) {
            problem = "not valid JSON";
        }
        if (!problem.empty()) out.malformed.push_back({name, number, problem});
        else out.entries.push_back(std::move(e));
    }
    return out;
}

}  // namespace isapi::loadgen
