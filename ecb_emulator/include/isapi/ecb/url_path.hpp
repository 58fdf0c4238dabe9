#pragma once
// The canonical form of a URL path, as HTTP.sys makes it before IIS routes a
// request. The host's router and MAP_URL_TO_PATH share it, so a path names
// the same file whichever way it reaches the harness, and no spelling of it
// names a file above the site root.
#include <string>

namespace isapi::ecb {

// Rewrites `path` in place: '\\' separates segments as '/' does, empty
// segments ("//") collapse, "." segments go, and ".." removes the segment
// before it. The result starts with '/' and ends with '/' when the input
// ended in a separator or a dot segment ("/a/b/.." is "/a/"). A path that
// does not start with '/' is taken from the root. Returns false, leaving
// `path` unspecified, when a ".." would climb above the root.
// Percent-decoding is the caller's business and must come first: "%2e%2e"
// is a dot segment only once decoded.
bool canonicalise_url_path(std::string& path);

}  // namespace isapi::ecb
