#include "wide_text.hpp"

#include <cstdint>

namespace isapi::ecb::detail {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

void put_unit(std::uint16_t unit, std::string& out) {
    out.push_back(static_cast<char>(unit & 0xFF));
    out.push_back(static_cast<char>(unit >> 8));
}

void put_code_point(char32_t cp, std::string& out) {
    if (cp < 0x10000) return put_unit(static_cast<std::uint16_t>(cp), out);
    cp -= 0x10000;
    put_unit(static_cast<std::uint16_t>(0xD800 + (cp >> 10)), out);
    put_unit(static_cast<std::uint16_t>(0xDC00 + (cp & 0x3FF)), out);
}

// Decodes one sequence at `at`; `used` is how many bytes it took (at least 1).
char32_t decode_one(std::string_view s, std::size_t at, std::size_t& used) {
    const auto lead = static_cast<unsigned char>(s[at]);
    used = 1;
    if (lead < 0x80) return lead;
    std::size_t extra = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (lead >= 0xC2 && lead <= 0xDF) extra = 1, cp = lead & 0x1F, min = 0x80;
    else if (lead >= 0xE0 && lead <= 0xEF) extra = 2, cp = lead & 0x0F, min = 0x800;
    else if (lead >= 0xF0 && lead <= 0xF4) extra = 3, cp = lead & 0x07, min = 0x10000;
    else return kReplacement;
    if (at + extra >= s.size()) return kReplacement;  // cut short by the end
    for (std::size_t i = 1; i <= extra; ++i) {
        const auto c = static_cast<unsigned char>(s[at + i]);
        if ((c & 0xC0) != 0x80) return kReplacement;
        cp = (cp << 6) | (c & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return kReplacement;
    used = extra + 1;
    return cp;
}

}  // namespace

void append_utf16le(std::string_view utf8, std::string& out) {
    out.reserve(out.size() + utf8.size() * 2);
    for (std::size_t at = 0; at < utf8.size();) {
        std::size_t used = 1;
        put_code_point(decode_one(utf8, at, used), out);
        at += used;
    }
}

}  // namespace isapi::ecb::detail
