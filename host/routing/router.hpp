#pragma once
// Maps a request URL to the extension that serves it, as IIS's script maps do:
// an explicit mapping names the module's URL ("/scripts/app.dll", the rest of
// the path becomes PATH_INFO); a wildcard maps a file extension ("*.isa") to a
// handler module. No sockets, no I/O.
#include "../modules/load_mode.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace isapi::host {

struct Mapping {
    std::string url;                // "/scripts/app.dll", "*.isa" or "*"
    std::filesystem::path module;   // the extension file, absolute and lexically normal
    std::optional<LoadMode> mode;   // per-mapping override of the global mode
    bool wildcard() const { return !url.empty() && url.front() == '*'; }
};

// Parses "URL=PATH[,cached|,uncached]". Throws std::invalid_argument naming
// the problem.
Mapping parse_mapping(std::string_view spec);

struct Route {
    const Mapping* mapping = nullptr;
    std::string script_name;  // SCRIPT_NAME
    std::string path_info;    // PATH_INFO
    bool url_names_module = false;  // a missing module is 404, not 500
    LoadMode mode;
};

class Router {
public:
    Router(std::vector<Mapping> mappings, LoadMode default_mode);

    // `path` is the canonical URL path (split_target). Explicit mappings win over wildcards,
    // and the longest explicit mapping wins. Matching ignores ASCII case, as
    // IIS does.
    std::optional<Route> route(std::string_view path) const;

    const std::vector<Mapping>& mappings() const { return mappings_; }

private:
    std::vector<Mapping> mappings_;
    LoadMode default_mode_;
};

struct SplitTarget {
    std::string path;   // percent-decoded and canonical (isapi/ecb/url_path.hpp)
    std::string query;  // as received, without '?'
};

// Splits a request target, decodes its path and resolves its dot segments,
// as HTTP.sys does before IIS routes: "/x/../a.dll" routes as "/a.dll" and
// no PATH_INFO holds a "..". nullopt (400) for a target that is not
// origin-form, has bad escapes, holds a control character (raw or escaped,
// NUL included), or climbs above the root with "..".
std::optional<SplitTarget> split_target(std::string_view target);

}  // namespace isapi::host
