#pragma once
// HSE_REQ_MAP_URL_TO_PATH(_EX): a URL path becomes a file path under the
// document root, and nothing an extension passes can lead outside it.
#include <optional>
#include <string>
#include <string_view>

namespace isapi::ecb::detail {

// Resolves "." and ".." lexically, the way a browser does: ".." at the top
// stays at the top, so "/../../etc/passwd" maps to <root>/etc/passwd. Both
// '/' and '\\' separate segments, since ISAPI code written for Windows uses
// either. No symlinks are followed (the filesystem is never touched).
// nullopt when there is no root to map into.
std::optional<std::string> map_url_to_path(std::string_view document_root, std::string_view url);

}  // namespace isapi::ecb::detail
