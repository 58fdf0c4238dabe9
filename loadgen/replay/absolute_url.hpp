#pragma once
// The parts of an absolute URL a replay needs: the request target goes to
// the replay's own --target host, the authority only tells a URL from a path.
#include <string>

namespace isapi::loadgen {

// "http://host:port/path?q#f" -> {"host:port", "/path?q"}; false when not absolute.
inline bool split_url(const std::string& url, std::string& authority, std::string& target) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return false;
    const auto path = url.find_first_of("/?#", scheme + 3);
    authority = url.substr(scheme + 3, path == std::string::npos ? std::string::npos : path - scheme - 3);
    target = path == std::string::npos ? "/" : url.substr(path);
    if (const auto hash = target.find('#'); hash != std::string::npos) target.erase(hash);
    if (target.empty() || target.front() != '/') target.insert(target.begin(), '/');
    return !authority.empty();
}

}  // namespace isapi::loadgen
