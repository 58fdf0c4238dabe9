#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/core/string.hpp>
#include <nlohmann/json.hpp>

#include "absolute_url.hpp"
#include "readers.hpp"
#include "time_parse.hpp"

namespace isapi::loadgen {
namespace {

using nlohmann::json;

std::size_t line_of(const std::string& text, std::size_t byte) {
    byte = std::min(byte, text.size());
    return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n'));
}

// A number too large for a double (1e999) makes the JSON parser give up on
// the whole document. Before parsing, each one is replaced by a string made of
// this mark and the number as written, so only the entry that holds it is
// reported and skipped. The mark starts with a NUL, which no HAR writer puts
// at the start of a string.
using namespace std::string_view_literals;
constexpr std::string_view kOverflowMark = "\0isapi-loadgen number out of range: "sv;

bool number_char(char c) { return "0123456789+-.eE"sv.find(c) != std::string_view::npos; }

std::string mark_overflowing_numbers(const std::string& text, bool& marked) {
    std::string out;
    out.reserve(text.size());
    bool in_string = false;
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (in_string || c == '"') {
            const bool escaped_pair = in_string && c == '\\' && i + 1 < text.size();
            out.append(text, i, escaped_pair ? 2 : 1);
            if (!escaped_pair && c == '"') in_string = !in_string;
            i += escaped_pair ? 2 : 1;
            continue;
        }
        if (c != '-' && (c < '0' || c > '9')) {
            out += c;
            ++i;
            continue;
        }
        std::size_t end = i + 1;
        while (end < text.size() && number_char(text[end])) ++end;
        const std::string number = text.substr(i, end - i);
        char* stop = nullptr;
        const double value = std::strtod(number.c_str(), &stop);
        if (stop == number.c_str() + number.size() && std::isinf(value)) {
            out += "\"\\u0000";
            out.append(kOverflowMark.substr(1));
            out += number + '"';
            marked = true;
        } else {
            out += number;
        }
        i = end;
    }
    return out;
}

// Where in `entry` a marked number sits ("request.bodySize") and as written.
// Walks with a stack of its own: a hostile file may nest very deep.
std::optional<std::pair<std::string, std::string>> overflowing_number(const json& entry) {
    std::vector<std::pair<const json*, std::string>> pending{{&entry, ""}};
    while (!pending.empty()) {
        auto [value, path] = std::move(pending.back());
        pending.pop_back();
        if (value->is_string()) {
            const auto& s = value->get_ref<const std::string&>();
            if (s.starts_with(kOverflowMark)) return std::pair{path, s.substr(kOverflowMark.size())};
        } else if (value->is_object()) {
            for (const auto& [key, member] : value->items())
                pending.emplace_back(&member, path.empty() ? key : path + "." + key);
        } else if (value->is_array()) {
            for (std::size_t i = 0; i < value->size(); ++i)
                pending.emplace_back(&(*value)[i], path + "[" + std::to_string(i) + "]");
        }
    }
    return std::nullopt;
}

std::string entry_problem(const json& entry, bool numbers_marked, ReplayEntry& out) {
    if (const auto number = numbers_marked ? overflowing_number(entry) : std::nullopt)
        return "the number " + number->second + " in " + number->first + " is out of range";
    if (!entry.is_object() || !entry.contains("request") || !entry["request"].is_object()) return "no request object";
    const json& request = entry["request"];
    if (!request.contains("url") || !request["url"].is_string()) return "request has no url";
    std::string authority;
    const std::string& url = request["url"].get_ref<const std::string&>();
    if (!split_url(url, authority, out.request.target)) return "url '" + url + "' is not absolute";
    out.url_origin = url.substr(0, url.find("://") + 3) + authority;
    if (request.contains("method") && request["method"].is_string()) out.request.method = request["method"];
    bool has_host = false;
    if (request.contains("headers") && request["headers"].is_array()) {
        for (const auto& h : request["headers"]) {
            if (!h.is_object() || !h.contains("name") || !h.contains("value") || !h["name"].is_string() ||
                !h["value"].is_string())
                return "a header is not {name, value}";
            const std::string name = h["name"];
            if (name.starts_with(':')) continue;  // HTTP/2 pseudo-headers
            // Header names are case-insensitive: a second Host would get the request refused.
            if (boost::beast::iequals(name, "host")) has_host = true;
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

struct HostPort {
    std::string name;  // lower case, no final dot; an IPv6 address keeps its brackets
    std::optional<std::uint16_t> port;
};

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// "user@Shop.Example.:8080" -> {"shop.example", 8080}; nullopt when malformed.
std::optional<HostPort> parse_authority(std::string_view a) {
    if (const auto at = a.rfind('@'); at != std::string_view::npos) a.remove_prefix(at + 1);
    std::string_view name = a, port;
    bool has_port = false;
    if (a.starts_with('[')) {
        const auto close = a.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        name = a.substr(0, close + 1);
        const auto rest = a.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return std::nullopt;
            has_port = true;
            port = rest.substr(1);
        }
    } else if (const auto colon = a.rfind(':'); colon != std::string_view::npos) {
        name = a.substr(0, colon);
        has_port = true;
        port = a.substr(colon + 1);
    }
    if (!name.starts_with('[') && name.ends_with('.')) name.remove_suffix(1);
    if (name.empty() || name.find_first_of("/?# ") != std::string_view::npos) return std::nullopt;
    HostPort out;
    for (const char c : name) out.name += lower(c);
    if (has_port && !port.empty()) {  // "host:" has no port, as in a URL
        unsigned value = 0;
        for (const char c : port) {
            if (c < '0' || c > '9') return std::nullopt;
            value = value * 10 + static_cast<unsigned>(c - '0');
            if (value > 65535) return std::nullopt;
        }
        out.port = static_cast<std::uint16_t>(value);
    }
    return out;
}

std::optional<std::uint16_t> default_port(std::string_view scheme) {
    std::string s;
    for (const char c : scheme) s += lower(c);
    if (s == "http" || s == "ws") return 80;
    if (s == "https" || s == "wss") return 443;
    return std::nullopt;
}

}  // namespace

HostFilterResult keep_only_host(ReplaySource& source, std::string_view host) {
    std::string authority(host), ignored;
    if (host.find("://") != std::string_view::npos && !split_url(std::string(host), authority, ignored))
        throw std::invalid_argument("--only-host '" + std::string(host) + "' is not a host");
    const auto wanted = parse_authority(authority);
    if (!wanted) throw std::invalid_argument("--only-host '" + std::string(host) + "' is not HOST or HOST:PORT");

    HostFilterResult result;
    std::vector<ReplayEntry> kept;
    std::vector<std::pair<std::string, std::size_t>>& others = result.skipped_hosts;
    for (auto& e : source.entries) {
        const auto scheme_end = e.url_origin.find("://");
        const std::string_view origin = e.url_origin;
        const auto entry_host =
            scheme_end == std::string::npos ? std::nullopt : parse_authority(origin.substr(scheme_end + 3));
        bool match = entry_host && entry_host->name == wanted->name;
        if (match && wanted->port) {
            const auto port = entry_host->port ? entry_host->port : default_port(origin.substr(0, scheme_end));
            match = port == wanted->port;
        }
        if (match) {
            kept.push_back(std::move(e));
            continue;
        }
        std::string shown = !entry_host ? "(no host)"
                            : entry_host->port ? entry_host->name + ":" + std::to_string(*entry_host->port)
                                               : entry_host->name;
        const auto it = std::find_if(others.begin(), others.end(), [&](const auto& o) { return o.first == shown; });
        if (it == others.end()) others.emplace_back(std::move(shown), 1);
        else ++it->second;
        ++result.skipped;
    }
    std::stable_sort(others.begin(), others.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    result.kept = kept.size();
    source.entries = std::move(kept);
    return result;
}

ReplaySource read_har(std::istream& in, const std::string& name) {
    ReplaySource out;
    out.har = true;
    bool numbers_marked = false;
    const std::string text =
        mark_overflowing_numbers({std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()}, numbers_marked);
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        out.malformed.push_back({name, line_of(text, e.byte), std::string("not valid JSON: ") + e.what()});
        return out;
    } catch (const json::exception& e) {  // no other is known; the promise is never to throw on content
        out.malformed.push_back({name, 0, std::string("not valid JSON: ") + e.what()});
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
        if (auto problem = entry_problem(entry, numbers_marked, e); !problem.empty()) {
            out.malformed.push_back({name, 0, "log.entries[" + std::to_string(index - 1) + "]: " + problem});
            continue;
        }
        out.entries.push_back(std::move(e));
    }
    return out;
}

}  // namespace isapi::loadgen
