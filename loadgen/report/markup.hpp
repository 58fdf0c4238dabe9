#pragma once
// Escaping for text put into XML and HTML reports (JUnit, the HTML pages).
// Report text comes from the outside (URLs from replay files, headers the
// server sent, file names), so it may hold bytes that are not characters in
// XML 1.0: control characters, invalid UTF-8, U+FFFE. One such byte makes a
// JUnit file unreadable to every CI parser, so they are spelled out as
// "\xNN" instead; the reader of the report still sees which byte it was.
// The same goes for DEL and the C1 controls, which XML allows but which are
// invisible in a page. Tab, LF and CR become character references, because
// an XML parser turns them into spaces inside attribute values.
#include <cstddef>
#include <string>
#include <string_view>

namespace isapi::loadgen {

namespace markup_detail {

// The code point of the UTF-8 sequence at the start of `s` and its length,
// or length 0 when it is not valid UTF-8 (truncated, overlong, a surrogate,
// beyond U+10FFFF).
struct Decoded {
    char32_t code = 0;
    std::size_t length = 0;
};

inline Decoded decode_utf8(std::string_view s) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80) return {lead, 1};
    std::size_t length = 0;
    char32_t code = 0;
    char32_t smallest = 0;
    if (lead >= 0xC2 && lead <= 0xDF) length = 2, code = lead & 0x1Fu, smallest = 0x80;
    else if (lead >= 0xE0 && lead <= 0xEF) length = 3, code = lead & 0x0Fu, smallest = 0x800;
    else if (lead >= 0xF0 && lead <= 0xF4) length = 4, code = lead & 0x07u, smallest = 0x10000;
    else return {};
    if (s.size() < length) return {};
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0u) != 0x80u) return {};
        code = (code << 6) | (byte(i) & 0x3Fu);
    }
    if (code < smallest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return {};
    return {code, length};
}

// XML 1.0's Char production, less DEL and the C1 controls (invisible).
inline bool printable_xml_char(char32_t c) {
    if (c < 0x20) return c == 0x09 || c == 0x0A || c == 0x0D;
    if (c >= 0x7F && c <= 0x9F) return false;
    if (c >= 0xD800 && c <= 0xDFFF) return false;
    return c != 0xFFFE && c != 0xFFFF && c <= 0x10FFFF;
}

inline void spell_bytes(std::string_view bytes, std::string& out) {
    constexpr char hex[] = "0123456789abcdef";
    for (char b : bytes) {
        const auto v = static_cast<unsigned char>(b);
        out += "\\x";
        out += hex[v >> 4];
        out += hex[v & 0x0F];
    }
}

}  // namespace markup_detail

// `s` as text or as a double-quoted attribute value in XML 1.0
// or HTML: always well-formed, whatever bytes `s` holds.
inline std::string markup_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    while (!s.empty()) {
        const auto d = markup_detail::decode_utf8(s);
        if (d.length == 0 || !markup_detail::printable_xml_char(d.code)) {
            markup_detail::spell_bytes(s.substr(0, d.length == 0 ? 1 : d.length), out);
            s.remove_prefix(d.length == 0 ? 1 : d.length);
            continue;
        }
        switch (d.code) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\t': out += "&#9;"; break;
            case '\n': out += "&#10;"; break;
            case '\r': out += "&#13;"; break;
            default: out.append(s.substr(0, d.length));
        }
        s.remove_prefix(d.length);
    }
    return out;
}

}  // namespace isapi::loadgen
