#include "prometheus_text.hpp"

#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace isapi::itest {
namespace {

[[noreturn]] void fail(const std::string& line, const std::string& why) {
    throw std::runtime_error("not Prometheus text (" + why + "): " + line);
}

bool name_char(char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
}

// The family a sample belongs to: a histogram's _bucket, _sum and _count
// samples belong to the histogram's name.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
    if (types.count(name)) return name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string s = suffix;
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
            const std::string base = name.substr(0, name.size() - s.size());
            const auto type = types.find(base);
            if (type != types.end() && type->second == "histogram") return base;
        }
    }
    return {};
}

PromSample parse_sample(const std::string& line) {
    PromSample sample;
    std::size_t i = 0;
    while (i < line.size() && name_char(line[i], i == 0)) ++i;
    if (i == 0) fail(line, "no metric name");
    sample.name = line.substr(0, i);
    if (i < line.size() && line[i] == '{') {
        ++i;
        while (i < line.size() && line[i] != '}') {
            const std::size_t start = i;
            while (i < line.size() && name_char(line[i], i == start)) ++i;
            const std::string label = line.substr(start, i - start);
            if (label.empty() || i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"') fail(line, "bad label");
            i += 2;
            std::string value;
            for (; i < line.size() && line[i] != '"'; ++i) {
                if (line[i] != '\\') {
                    value += line[i];
                    continue;
                }
                if (++i == line.size()) fail(line, "escape at the end");
                if (line[i] == 'n') value += '\n';
                else if (line[i] == '\\' || line[i] == '"') value += line[i];
                else fail(line, "unknown escape");
            }
            if (i == line.size()) fail(line, "unterminated label value");
            ++i;  // the closing quote
            if (!sample.labels.emplace(label, value).second) fail(line, "label repeated");
            if (i < line.size() && line[i] == ',') ++i;
            else if (i < line.size() && line[i] != '}') fail(line, "labels not separated by ','");
        }
        if (i == line.size()) fail(line, "unterminated labels");
        ++i;
    }
    if (i >= line.size() || line[i] != ' ') fail(line, "no space before the value");
    const std::string text = line.substr(i + 1);
    if (text == "+Inf" || text == "-Inf" || text == "NaN") fail(line, "these tests expect finite values");
    char* end = nullptr;
    sample.value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') fail(line, "the value is not a number (or a timestamp follows)");
    return sample;
}

}  // namespace

std::vector<PromSample> PromText::find(const std::string& name, const std::map<std::string, std::string>& with) const {
    std::vector<PromSample> out;
    for (const auto& s : samples) {
        if (s.name != name) continue;
        bool all = true;
        for (const auto& [label, value] : with) {
            const auto it = s.labels.find(label);
            all = all && it != s.labels.end() && it->second == value;
        }
        if (all) out.push_back(s);
    }
    return out;
}

PromText parse_prometheus_text(const std::string& text) {
    PromText out;
    if (!text.empty() && text.back() != '\n') fail(text.substr(text.rfind('\n') + 1), "the last line has no line feed");
    std::istringstream in(text);
    std::map<std::string, bool> helped;
    for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        if (line.rfind("# HELP ", 0) == 0) {
            const std::string name = line.substr(7, line.find(' ', 7) - 7);
            if (helped[name]) fail(line, "a second HELP");
            helped[name] = true;
        } else if (line.rfind("# TYPE ", 0) == 0) {
            const auto space = line.find(' ', 7);
            if (space == std::string::npos) fail(line, "TYPE without a type");
            const std::string name = line.substr(7, space - 7), type = line.substr(space + 1);
            if (type != "counter" && type != "gauge" && type != "histogram" && type != "summary" && type != "untyped")
                fail(line, "unknown type");
            if (!out.types.emplace(name, type).second) fail(line, "a second TYPE");
            for (const auto& s : out.samples)
                if (family_of(s.name, out.types) == name) fail(line, "TYPE after the family's samples");
        } else if (line[0] == '#') {
            continue;  // a comment
        } else {
            PromSample sample = parse_sample(line);
            if (family_of(sample.name, out.types).empty()) fail(line, "no TYPE line before the sample");
            out.samples.push_back(std::move(sample));
        }
    }
    return out;
}

}  // namespace isapi::itest
