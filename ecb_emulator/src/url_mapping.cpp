#include "url_mapping.hpp"

#include <vector>

namespace isapi::ecb::detail {

std::optional<std::string> map_url_to_path(std::string_view document_root, std::string_view url) {
    if (document_root.empty()) return std::nullopt;
    // Only the path is mapped; a query string or fragment is not part of it.
    url = url.substr(0, url.find_first_of("?#"));

    std::vector<std::string_view> segments;
    std::size_t pos = 0;
    while (pos <= url.size()) {
        std::size_t end = url.find_first_of("/\\", pos);
        if (end == std::string_view::npos) end = url.size();
        const std::string_view segment = url.substr(pos, end - pos);
        if (segment == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!segment.empty() && segment != ".") {
            segments.push_back(segment);
        }
        pos = end + 1;
    }

    std::string path(document_root);
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    for (std::string_view segment : segments) {
        path.push_back('/');
        path.append(segment);
    }
    if (segments.empty() || url.ends_with('/') || url.ends_with('\\')) {
        if (path.back() != '/') path.push_back('/');
    }
    return path;
}

}  // namespace isapi::ecb::detail
