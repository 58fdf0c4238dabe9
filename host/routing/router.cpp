#include "router.hpp"

#include <isapi/ecb/url_path.hpp>

#include <algorithm>
#include <stdexcept>

namespace isapi::host {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return lower(x) == lower(y);
           });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// What HTTP.sys refuses in a URL by default (AllowRestrictedChars = 0):
// characters that decode to C0 controls or DEL, and the C1 controls
// U+0080-U+009F, which UTF-8 spells C2 80 to C2 9F.
bool restricted(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; }

bool has_c1_control(std::string_view path) {
    for (std::size_t i = path.find('\xC2'); i != std::string_view::npos && i + 1 < path.size();
         i = path.find('\xC2', i + 1)) {
        const auto next = static_cast<unsigned char>(path[i + 1]);
        if (next >= 0x80 && next <= 0x9F) return true;
    }
    return false;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

}  // namespace

Mapping parse_mapping(std::string_view spec) {
    const auto eq = spec.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == spec.size())
        throw std::invalid_argument("mapping '" + std::string(spec) + "' is not URL=PATH[,cached|,uncached]");
    Mapping m;
    m.url = std::string(spec.substr(0, eq));
    std::string_view rest = spec.substr(eq + 1);
    if (const auto comma = rest.rfind(','); comma != std::string_view::npos) {
        const std::string_view option = rest.substr(comma + 1);
        if (option == "uncached") m.mode = LoadMode::uncached;
        else if (option == "cached") m.mode = LoadMode::cached;
        else throw std::invalid_argument("mapping '" + std::string(spec) + "': unknown option '" +
                                         std::string(option) + "' (use cached or uncached)");
        rest = rest.substr(0, comma);
    }
    // Normalised once here, not per request: the module manager keys modules
    // by this spelling, so "./a.so" and "a.so" must be the same module.
    m.module = std::filesystem::absolute(std::filesystem::path(std::string(rest))).lexically_normal();
    if (m.wildcard()) {
        if (m.url != "*" && (m.url.size() < 3 || m.url[1] != '.' || m.url.find('/') != std::string::npos))
            throw std::invalid_argument("wildcard mapping '" + m.url + "' must look like *.ext or *");
    } else if (m.url.front() != '/' || m.url.back() == '/') {
        throw std::invalid_argument("mapping URL '" + m.url + "' must start with '/' and name a file, e.g. /scripts/app.dll");
    }
    return m;
}

Router::Router(std::vector<Mapping> mappings, LoadMode default_mode)
    : mappings_(std::move(mappings)), default_mode_(default_mode) {}

std::optional<Route> Router::route(std::string_view path) const {
    const Mapping* best = nullptr;
    for (const auto& m : mappings_) {
        if (m.wildcard() || !istarts_with(path, m.url)) continue;
        if (path.size() != m.url.size() && path[m.url.size()] != '/') continue;
        if (!best || m.url.size() > best->url.size()) best = &m;
    }
    if (best) {
        return Route{best, std::string(path.substr(0, best->url.size())), std::string(path.substr(best->url.size())),
                     true, best->mode.value_or(default_mode_)};
    }
    for (const auto& m : mappings_) {
        if (!m.wildcard()) continue;
        if (m.url == "*") return Route{&m, std::string(path), {}, false, m.mode.value_or(default_mode_)};
        const std::string_view ext = std::string_view(m.url).substr(1);  // ".isa"
        // The first path segment ending in the extension is the script.
        for (std::size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
            const std::size_t stop = end == std::string_view::npos ? path.size() : end;
            if (stop >= ext.size() && iequals(path.substr(stop - ext.size(), ext.size()), ext) &&
                stop > ext.size() && path[stop - ext.size() - 1] != '/') {
                return Route{&m, std::string(path.substr(0, stop)), std::string(path.substr(stop)), false,
                             m.mode.value_or(default_mode_)};
            }
            if (end == std::string_view::npos) break;
        }
    }
    return std::nullopt;
}

std::optional<SplitTarget> split_target(std::string_view target) {
    if (target.empty() || target.front() != '/') return std::nullopt;
    SplitTarget out;
    const auto q = target.find('?');
    if (q != std::string_view::npos) out.query = std::string(target.substr(q + 1));
    const std::string_view raw = target.substr(0, q);
    out.path.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%') {
            if (i + 2 >= raw.size()) return std::nullopt;
            const int hi = hex_value(raw[i + 1]), lo = hex_value(raw[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        if (restricted(c)) return std::nullopt;
        out.path.push_back(c);
    }
    if (has_c1_control(out.path)) return std::nullopt;
    // Decoded first, then resolved, as HTTP.sys does: "..%2f" and "%2e%2e"
    // are dot segments like any other.
    if (!ecb::canonicalise_url_path(out.path)) return std::nullopt;
    return out;
}

}  // namespace isapi::host
