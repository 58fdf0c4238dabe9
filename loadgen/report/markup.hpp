#pragma once
// Escaping for text put into XML and HTML reports (JUnit, the HTML pages).
#include <string>
#include <string_view>

namespace isapi::loadgen {

inline std::string markup_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace isapi::loadgen
