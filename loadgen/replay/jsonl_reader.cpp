#include <string>

#include <nlohmann/json.hpp>

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

ReplaySource read_jsonl(std::istream& in, const std::string& name) {
    ReplaySource out;
    std::string text;
    std::size_t number = 0;
    while (std::getline(in, text)) {
        ++number;
        if (!text.empty() && text.back() == '\r') text.pop_back();
        if (text.find_first_not_of(" \t") == std::string::npos) continue;
        ReplayEntry e;
        e.line = number;
        json j;
        try {
            j = json::parse(text);
        } catch (const json::out_of_range&) {  // 1e999: too large for a double
            out.malformed.push_back({name, number, "a number is out of range"});
            continue;
        } catch (const json::exception&) {
            out.malformed.push_back({name, number, "not valid JSON"});
            continue;
        }
        if (auto problem = line_problem(j, e); !problem.empty()) {
            out.malformed.push_back({name, number, problem});
            continue;
        }
        out.entries.push_back(std::move(e));
    }
    return out;
}

}  // namespace isapi::loadgen
