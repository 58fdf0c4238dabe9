#include <fstream>
#include <stdexcept>

#include "readers.hpp"

namespace isapi::loadgen {
namespace {

ReplayFormat sniff(const std::string& path, std::istream& in) {
    if (path.ends_with(".har")) return ReplayFormat::har;
    if (path.ends_with(".jsonl") || path.ends_with(".ndjson")) return ReplayFormat::jsonl;
    if (path.ends_with(".log")) return ReplayFormat::w3c;
    // Otherwise by content: W3C logs open with directives, a HAR file is one
    // JSON document whose first key is "log", JSON lines hold one per line.
    std::string first;
    while (std::getline(in, first) && first.find_first_not_of(" \t\r") == std::string::npos) {}
    in.clear();
    in.seekg(0);
    const auto start = first.find_first_not_of(" \t");
    if (start == std::string::npos || first[start] == '#') return ReplayFormat::w3c;
    if (first[start] != '{') return ReplayFormat::w3c;
    const auto rest = first.find_first_not_of(" \t\r", start + 1);
    if (rest == std::string::npos || first.compare(rest, 5, "\"log\"") == 0) return ReplayFormat::har;
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
    throw std::invalid_argument("--format must be auto, w3c, har or jsonl, not '" + name + "'");
}

ReplaySource read_replay_file(const std::string& path, ReplayFormat format) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open replay file " + path);
    if (format == ReplayFormat::automatic) format = sniff(path, in);
    switch (format) {
        case ReplayFormat::har: return read_har(in, path);
        case ReplayFormat::jsonl: return read_jsonl(in, path);
        default: return read_w3c(in, path);
    }
}

}  // namespace isapi::loadgen
