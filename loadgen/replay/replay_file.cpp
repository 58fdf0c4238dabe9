#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "readers.hpp"

namespace isapi::loadgen {
namespace {

// A W3C log's directives; any other line starting with '#' is a comment
// (vegeta's http targets allow them).
bool w3c_directive(const std::string& line) {
    for (const char* d : {"#Software:", "#Version:", "#Date:", "#Fields:", "#Remark:"})
        if (line.starts_with(d)) return true;
    return false;
}

ReplayFormat sniff(const std::string& path, std::istream& in) {
    if (path.ends_with(".har")) return ReplayFormat::har;
    if (path.ends_with(".jsonl") || path.ends_with(".ndjson")) return ReplayFormat::jsonl;
    if (path.ends_with(".log")) return ReplayFormat::w3c;
    // Otherwise by content: W3C logs open with directives, a HAR file is one
    // JSON document whose first key is "log", JSON lines hold one per line
    // (vegeta's with a "url", ours with a "path"), vegeta's http targets
    // start with "METHOD URL".
    std::string first;
    while (std::getline(in, first)) {
        const auto start = first.find_first_not_of(" \t\r");
        if (start == std::string::npos) continue;
        first.erase(0, start);
        if (first.front() != '#' || w3c_directive(first)) break;
    }
    in.clear();
    in.seekg(0);
    if (first.empty() || first.front() == '#') return ReplayFormat::w3c;
    if (RequestSpec scratch; read_vegeta_request_line(first, scratch)) return ReplayFormat::vegeta_http;
    if (first.front() != '{') return ReplayFormat::w3c;
    const auto rest = first.find_first_not_of(" \t\r", 1);
    if (rest == std::string::npos || first.compare(rest, 5, "\"log\"") == 0) return ReplayFormat::har;
    const auto line = nlohmann::json::parse(first, nullptr, false);
    if (line.is_object() && line.contains("url") && !line.contains("path")) return ReplayFormat::vegeta_json;
    return ReplayFormat::jsonl;
}

}  // namespace

std::string MalformedLine::describe() const {
    return line ? file + ":" + std::to_string(line) + ": " + reason : file + ": " + reason;
}

ReplayFormat replay_format_from(const std::string& name) {
    if (name == "auto") return ReplayFormat::automatic;
    if (name == "w3c" || name == "iis") return ReplayFormat::w3c;
    if (name == "har") return ReplayFormat::har;
    if (name == "jsonl") return ReplayFormat::jsonl;
    if (name == "vegeta") return ReplayFormat::vegeta_http;
    if (name == "vegeta-json") return ReplayFormat::vegeta_json;
    throw std::invalid_argument("--format must be auto, w3c, har, jsonl, vegeta or vegeta-json, not '" + name + "'");
}

ReplaySource read_replay_file(const std::string& path, ReplayFormat format) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open replay file " + path);
    if (format == ReplayFormat::automatic) format = sniff(path, in);
    switch (format) {
        case ReplayFormat::har: return read_har(in, path);
        case ReplayFormat::jsonl: return read_jsonl(in, path);
        case ReplayFormat::vegeta_http: return read_vegeta_http(in, path);
        case ReplayFormat::vegeta_json: return read_vegeta_json(in, path);
        default: return read_w3c(in, path);
    }
}

}  // namespace isapi::loadgen
