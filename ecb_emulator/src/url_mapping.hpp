#pragma once
// HSE_REQ_MAP_URL_TO_PATH(_EX): a URL path becomes a file path under the
// document root, and nothing an extension passes can lead outside it.
#include <optional>
#include <string>
#include <string_view>

namespace isapi::ecb::detail {

// The URL is canonicalised as a request's path is (isapi/ecb/url_path.hpp):
// "." and ".." resolved, '/' and '\\' both separators, since ISAPI code
// written for Windows uses either. It is not percent-decoded: extensions pass
// decoded paths such as the URL server variable. No symlinks are followed
// (the filesystem is never touched). nullopt when there is no root to map
// into, or when the URL climbs above it ("/../etc/passwd"), as IIS refuses
// a parent path above the site root.
std::optional<std::string> map_url_to_path(std::string_view document_root, std::string_view url);

}  // namespace isapi::ecb::detail
