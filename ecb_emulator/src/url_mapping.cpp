#include "url_mapping.hpp"

#include <isapi/ecb/url_path.hpp>

namespace isapi::ecb {

namespace {

// Most paths have nothing to resolve; telling so costs three scans and no
// allocation, which matters on the per-request path.
bool already_canonical(std::string_view path) {
    return !path.empty() && path.front() == '/' && path.find("/.") == std::string_view::npos &&
           path.find("//") == std::string_view::npos && path.find('\\') == std::string_view::npos;
}

}  // namespace

bool canonicalise_url_path(std::string& path) {
    if (already_canonical(path)) return true;
    std::string out;
    out.reserve(path.size() + 1);
    out.push_back('/');  // `out` ends in '/' between segments
    bool ends_in_folder = true;
    for (std::size_t pos = 0; pos <= path.size();) {
        std::size_t end = path.find_first_of("/\\", pos);
        if (end == std::string::npos) end = path.size();
        const std::string_view segment = std::string_view(path).substr(pos, end - pos);
        pos = end + 1;
        ends_in_folder = true;
        if (segment.empty() || segment == ".") continue;
        if (segment == "..") {
            if (out.size() == 1) return false;  // above the root
            out.pop_back();
            out.erase(out.rfind('/') + 1);
            continue;
        }
        out.append(segment).push_back('/');
        ends_in_folder = false;
    }
    if (!ends_in_folder) out.pop_back();
    path = std::move(out);
    return true;
}

}  // namespace isapi::ecb

namespace isapi::ecb::detail {

std::optional<std::string> map_url_to_path(std::string_view document_root, std::string_view url) {
    if (document_root.empty()) return std::nullopt;
    // Only the path is mapped; a query string or fragment is not part of it.
    std::string path(url.substr(0, url.find_first_of("?#")));
    if (!canonicalise_url_path(path)) return std::nullopt;

    // The canonical path brings its own leading '/'.
    while (!document_root.empty() && document_root.back() == '/') document_root.remove_suffix(1);
    path.insert(0, document_root);
    return path;
}

}  // namespace isapi::ecb::detail
