#include "header_text.hpp"

#include <charconv>

namespace isapi::ecb::detail {

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool contains_token(std::string_view value, std::string_view token) {
    for (std::size_t i = 0; i + token.size() <= value.size(); ++i) {
        if (iequals(value.substr(i, token.size()), token)) return true;
    }
    return false;
}

bool valid_name(std::string_view name) {
    if (name.empty()) return false;
    for (char c : name) {
        if (c <= ' ' || c >= 127 || c == ':') return false;
    }
    return true;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

HeaderScan scan_header_text(std::string_view text, std::string& out) {
    HeaderScan scan;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        const std::size_t end = (nl == std::string_view::npos) ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        pos = (nl == std::string_view::npos) ? text.size() : nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) {
            scan.body = text.substr(pos);
            break;
        }
        if (line.front() == ' ' || line.front() == '\t') continue;
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        const std::string_view name = line.substr(0, colon);
        const std::string_view value = trim(line.substr(colon + 1));
        if (!valid_name(name)) continue;
        // Dispatch on the first letter: most lines are none of these.
        switch (ascii_lower(name.front())) {
            case 'c':
                if (iequals(name, "Connection")) {
                    if (contains_token(value, "close")) scan.connection_close = true;
                    continue;
                }
                if (iequals(name, "Content-Length")) {
                    std::uint64_t length = 0;
                    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
                    if (ec != std::errc{} || ptr != value.data() + value.size() || scan.content_length) continue;
                    scan.content_length = length;
                }
                break;
            case 't': scan.transfer_encoding = scan.transfer_encoding || iequals(name, "Transfer-Encoding"); break;
            case 's': scan.has_server = scan.has_server || iequals(name, "Server"); break;
            case 'd': scan.has_date = scan.has_date || iequals(name, "Date"); break;
            default: break;
        }
        out.append(line);
        out.append("\r\n");
    }
    return scan;
}

}  // namespace isapi::ecb::detail
