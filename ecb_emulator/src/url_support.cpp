// HSE_REQ_MAP_URL_TO_PATH and _EX, confined to Request::document_root.
#include "session.hpp"
#include "url_mapping.hpp"

#include <cstring>

namespace isapi::ecb::detail {

// The buffer holds the URL on entry and the path on return; *size is its
// capacity, and on return the path's length with its NUL (or the size needed).
BOOL Session::map_url_to_path(LPVOID buffer, LPDWORD size) {
    if (!buffer || !size || *size == 0) return fail(ERROR_INVALID_PARAMETER);
    char* text = static_cast<char*>(buffer);
    const std::string_view url(text, strnlen(text, *size));
    const auto path = detail::map_url_to_path(request_.document_root, url);
    // A URL above the root gets no path at all, not a clamped one, and the
    // buffer keeps the URL: a caller that ignores FALSE opens no other file.
    if (!path) return fail(ERROR_INVALID_PARAMETER);
    const DWORD needed = static_cast<DWORD>(path->size() + 1);
    if (*size < needed) {
        *size = needed;
        return fail(ERROR_INSUFFICIENT_BUFFER);
    }
    std::memcpy(text, path->c_str(), needed);
    *size = needed;
    return TRUE;
}

BOOL Session::map_url_to_path_ex(const char* url, LPDWORD size, HSE_URL_MAPEX_INFO* info) {
    if (!url || !info) return fail(ERROR_INVALID_PARAMETER);
    const auto path = detail::map_url_to_path(request_.document_root, url);
    if (!path) return fail(ERROR_INVALID_PARAMETER);
    const DWORD needed = static_cast<DWORD>(path->size() + 1);
    if (needed > MAX_PATH) {
        if (size) *size = needed;
        return fail(ERROR_INSUFFICIENT_BUFFER);
    }
    std::memcpy(info->lpszPath, path->c_str(), needed);
    // The whole site is one application rooted at document_root, readable
    // and executable, as a default IIS site's root is.
    info->dwFlags = HSE_URL_FLAGS_READ | HSE_URL_FLAGS_EXECUTE | HSE_URL_FLAGS_SCRIPT;
    std::string_view root = request_.document_root;
    while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
    info->cchMatchingPath = static_cast<DWORD>(root.size());
    info->cchMatchingURL = 0;
    if (size) *size = needed;
    return TRUE;
}

}  // namespace isapi::ecb::detail
