#include <string>

#include <nlohmann/json.hpp>

#include "json_lines.hpp"
#include "readers.hpp"

namespace isapi::loadgen {
namespace {

using nlohmann::json;

std::string read_headers(const json& headers, RequestSpec& spec) {
    if (headers.is_object()) {
        for (const auto& [name, value] : headers.items()) {
            if (!value.is_string()) return "header '" + name + "' is not a string";
            spec.headers.emplace_back(name, value.get<std::string>());
        }
        return {};
    }
    if (!headers.is_array()) return "headers is neither an object nor a list";
    for (const auto& h : headers) {
        if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string())
            spec.headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
        else if (h.is_object() && h.contains("name") && h.contains("value") && h["name"].is_string() &&
                 h["value"].is_string())
            spec.headers.emplace_back(h["name"].get<std::string>(), h["value"].get<std::string>());
        else
            return "a header is neither [name, value] nor {name, value}";
    }
    return {};
}

std::string line_problem(const json& j, ReplayEntry& e) {
    if (!j.is_object()) return "not a JSON object";
    if (!j.contains("path") || !j["path"].is_string()) return "no \"path\" string";
    e.request.target = j["path"];
    if (!e.request.target.starts_with('/')) return "path '" + e.request.target + "' does not start with /";
    if (j.contains("method")) {
        if (!j["method"].is_string() || j["method"].get<std::string>().empty()) return "method is not a string";
        e.request.method = j["method"];
    }
    if (j.contains("headers"))
        if (auto problem = read_headers(j["headers"], e.request); !problem.empty()) return problem;
    if (j.contains("body")) {
        if (!j["body"].is_string()) return "body is not a string";
        e.request.body = j["body"];
    }
    if (j.contains("offset_ms")) {
        if (!j["offset_ms"].is_number() || j["offset_ms"].get<double>() < 0) return "offset_ms is not a number >= 0";
        e.time_ms = j["offset_ms"].get<double>();
    }
    return {};
}

}  // namespace

ReplaySource read_jsonl(std::istream& in, const std::string& name) { return read_json_lines(in, name, line_problem); }

}  // namespace isapi::loadgen
