#include <algorithm>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "loadgen/replay/readers.hpp"
#include "loadgen/replay/time_parse.hpp"

namespace isapi::loadgen {
namespace {

using nlohmann::json;

std::size_t line_of(const std::string& text, std::size_t byte) {
    byte = std::min(byte, text.size());
    return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n'));
}

// "http://host:port/path?q" -> {"host:port", "/path?q"}; false when not absolute.
bool split_url(const std::string& url, std::string& authority, std::string& target) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return false;
    const auto path = url.find_first_of("/?#", scheme + 3);
    authority = url.substr(scheme + 3, path == std::string::npos ? std::string::npos : path - scheme - 3);
    target = path == std::string::npos ? "/" : url.substr(path);
    if (const auto hash = target.find('#'); hash != std::string::npos) target.erase(hash);
    if (target.empty() || target.front() != '/') target.insert(target.begin(), '/');
    return !authority.empty();
}

std::string entry_problem(const json& entry, ReplayEntry& out) {
    if (!entry.is_object() || !entry.contains("request") || !entry["request"].is_object()) return "no request object";
    const json& request = entry["request"];
    if (!request.contains("url") || !request["url"].is_string()) return "request has no url";
    std::string authority;
    if (!split_url(request["url"].get<std::string>(), authority, out.request.target))
        return "url '" + request["url"].get<std::string>() + "' is not absolute";
    if (request.contains("method") && request["method"].is_string()) out.request.method = request["method"];
    bool has_host = false;
    if (request.contains("headers") && request["headers"].is_array()) {
        for (const auto& h : request["headers"]) {
            if (!h.is_object() || !h.contains("name") || !h.contains("value") || !h["name"].is_string() ||
                !h["value"].is_string())
                return "a header is not {name, value}";
            const std::string name = h["name"];
            if (name.starts_with(':')) continue;  // HTTP/2 pseudo-headers
            if (name == "Host" || name == "host") has_host = true;
            out.request.headers.emplace_back(name, h["value"].get<std::string>());
        }
    }
    if (!has_host) out.request.headers.emplace_back("Host", authority);
    if (request.contains("postData") && request["postData"].is_object() && request["postData"].contains("text") &&
        request["postData"]["text"].is_string())
        out.request.body = request["postData"]["text"];
    if (entry.contains("startedDateTime")) {
        if (!entry["startedDateTime"].is_string()) return "startedDateTime is not a string";
        out.time_ms = parse_iso8601_ms(entry["startedDateTime"].get<std::string>());
        if (!out.time_ms) return "startedDateTime '" + entry["startedDateTime"].get<std::string>() + "' is not ISO 8601";
    }
    return {};
}

}  // namespace

ReplaySource read_har(std::istream& in, const std::string& name) {
    ReplaySource out;
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        out.malformed.push_back({name, line_of(text, e.byte), std::string("not valid JSON: ") + e.what()});
        return out;
    }
    if (!doc.is_object() || !doc.contains("log") || !doc["log"].contains("entries") || !doc["log"]["entries"].is_array()) {
        out.malformed.push_back({name, 0, "no log.entries array; is this a HAR file?"});
        return out;
    }
    std::size_t index = 0;
    for (const auto& entry : doc["log"]["entries"]) {
        ReplayEntry e;
        e.line = ++index;
        if (auto problem = entry_problem(entry, e); !problem.empty()) {
            out.malformed.push_back({name, 0, "log.entries[" + std::to_string(index - 1) + "]: " + problem});
            continue;
        }
        out.entries.push_back(std::move(e));
    }
    return out;
}

}  // namespace isapi::loadgen
