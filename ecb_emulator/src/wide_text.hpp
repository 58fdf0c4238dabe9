#pragma once
// The UNICODE_ server variables answer UTF-16 text (Windows' WCHAR), whatever
// the platform's wchar_t is, so the conversion is spelled out here.
#include <string>
#include <string_view>

namespace isapi::ecb::detail {

// Appends `utf8` to `out` as UTF-16LE bytes, without a terminator. A byte
// that does not start a well-formed UTF-8 sequence becomes U+FFFD, so a
// request that is not UTF-8 still gets an answer of the same shape.
void append_utf16le(std::string_view utf8, std::string& out);

}  // namespace isapi::ecb::detail
