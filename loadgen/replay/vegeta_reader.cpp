// vegeta's two target formats (its `attack -format=http|json`), so a
// targets file written for vegeta replays here unchanged.
#include <array>
#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "absolute_url.hpp"
#include "json_lines.hpp"
#include "readers.hpp"

namespace isapi::loadgen {
namespace {

using nlohmann::json;

// Standard base64 with padding (how Go marshals a []byte); false on any
// other character or a length that is not a multiple of four.
bool decode_base64(const std::string& text, std::string& out) {
    static const std::array<int, 256> values = [] {
        std::array<int, 256> v{};
        v.fill(-1);
        const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (std::size_t i = 0; i < alphabet.size(); ++i) v[static_cast<unsigned char>(alphabet[i])] = static_cast<int>(i);
        return v;
    }();
    if (text.size() % 4 != 0) return false;
    out.clear();
    for (std::size_t i = 0; i < text.size(); i += 4) {
        unsigned bits = 0;
        int padding = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            const bool last_quad = i + 4 == text.size();
            if (c == '=' && last_quad && k >= 2 && (k == 3 || text[i + 3] == '=')) {
                ++padding;
                bits <<= 6;
                continue;
            }
            const int value = values[static_cast<unsigned char>(c)];
            if (value < 0 || padding > 0) return false;
            bits = (bits << 6) | static_cast<unsigned>(value);
        }
        out.push_back(static_cast<char>(bits >> 16));
        if (padding < 2) out.push_back(static_cast<char>((bits >> 8) & 0xFF));
        if (padding < 1) out.push_back(static_cast<char>(bits & 0xFF));
    }
    return true;
}

std::string json_problem(const json& j, ReplayEntry& e) {
    if (!j.is_object()) return "not a JSON object";
    if (!j.contains("method") || !j["method"].is_string() || j["method"].get<std::string>().empty())
        return "no \"method\" string";
    if (!j.contains("url") || !j["url"].is_string()) return "no \"url\" string";
    std::string authority;
    if (!split_url(j["url"], authority, e.request.target)) return "url '" + j["url"].get<std::string>() + "' is not absolute";
    e.request.method = j["method"];
    if (j.contains("header")) {
        if (!j["header"].is_object()) return "header is not an object";
        for (const auto& [name, values] : j["header"].items()) {
            if (!values.is_array()) return "header '" + name + "' is not a list";
            for (const auto& value : values) {
                if (!value.is_string()) return "a value of header '" + name + "' is not a string";
                e.request.headers.emplace_back(name, value.get<std::string>());
            }
        }
    }
    if (j.contains("body") && !j["body"].is_null()) {
        if (!j["body"].is_string() || !decode_base64(j["body"], e.request.body)) return "body is not base64";
    }
    return {};
}

}  // namespace

bool read_vegeta_request_line(const std::string& line, RequestSpec& spec) {
    const auto space = line.find(' ');
    if (space == std::string::npos || space == 0) return false;
    const auto url = line.find_first_not_of(' ', space);
    std::string authority;
    if (url == std::string::npos || !split_url(line.substr(url), authority, spec.target)) return false;
    spec.method = line.substr(0, space);
    return true;
}

ReplaySource read_vegeta_http(std::istream& in, const std::string& name) {
    ReplaySource out;
    std::string text;
    std::size_t number = 0;
    bool open = false;  // a target is being read (its headers and body follow)
    bool broken = false;  // the current target had a bad line: skip to the next one
    ReplayEntry entry;
    const auto close = [&] {
        if (open && !broken) out.entries.push_back(std::move(entry));
        open = broken = false;
        entry = ReplayEntry{};
    };
    while (std::getline(in, text)) {
        ++number;
        if (!text.empty() && text.back() == '\r') text.pop_back();
        const auto start = text.find_first_not_of(" \t");
        if (start == std::string::npos) {
            close();  // a blank line ends a target
            continue;
        }
        if (text[start] == '#') continue;
        text.erase(0, start);
        if (ReplayEntry next; read_vegeta_request_line(text, next.request)) {
            close();
            entry = std::move(next);
            entry.line = number;
            open = true;
        } else if (!open) {
            out.malformed.push_back({name, number, "not 'METHOD URL' where a target starts"});
        } else if (text.front() == '@') {
            std::ifstream body(text.substr(1), std::ios::binary);
            if (!body) {
                out.malformed.push_back({name, number, "cannot read the body file " + text.substr(1)});
                broken = true;
                continue;
            }
            entry.request.body.assign(std::istreambuf_iterator<char>(body), std::istreambuf_iterator<char>());
        } else if (const auto colon = text.find(':'); colon != std::string::npos && colon > 0) {
            const auto value = text.find_first_not_of(" \t", colon + 1);
            entry.request.headers.emplace_back(text.substr(0, colon),
                                               value == std::string::npos ? std::string() : text.substr(value));
        } else {
            out.malformed.push_back({name, number, "neither a header 'Name: value' nor a body '@file'"});
            broken = true;
        }
    }
    close();
    return out;
}

ReplaySource read_vegeta_json(std::istream& in, const std::string& name) {
    return read_json_lines(in, name, json_problem);
}

}  // namespace isapi::loadgen
