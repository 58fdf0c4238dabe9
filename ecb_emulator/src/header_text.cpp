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

// Why `line` (its CRLF or LF already cut) must not go out, or empty.
std::string_view unsafe_reason(std::string_view line) {
    for (char c : line) {
        if (c == '\r') return "a bare CR";
        if (is_control_char(c)) return "a control character";
    }
    return {};
}

// Whether the comma-separated `list` already holds `item` (ASCII case ignored).
bool has_item(std::string_view list, std::string_view item) {
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        if (iequals(trim(list.substr(0, comma)), item)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

void drop(HeaderScan& scan, std::string_view line, std::string_view reason) {
    if (scan.dropped++ == 0) {
        scan.first_dropped = line;
        scan.first_reason = reason;
    }
}

}  // namespace

bool is_control_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7F;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

HeaderScan scan_header_text(std::string_view text, std::string& out) {
    HeaderScan scan;
    // Transfer-Encoding lines wait until every line is read: whether they go
    // out depends on a Content-Length that may come after them, and they go
    // out as one line, so no coding is announced twice.
    std::string transfer_codings;
    std::string_view first_transfer_encoding;
    unsigned transfer_encoding_count = 0;
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
        if (const std::string_view reason = unsafe_reason(line); !reason.empty()) {
            drop(scan, line, reason);
            continue;
        }
        if (line.front() == ' ' || line.front() == '\t') {
            drop(scan, line, "a folded continuation line");
            continue;
        }
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            drop(scan, line, "no colon");
            continue;
        }
        const std::string_view name = line.substr(0, colon);
        const std::string_view value = trim(line.substr(colon + 1));
        if (!valid_name(name)) {
            drop(scan, line, "a name that is not a token");
            continue;
        }
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
                    if (ec != std::errc{} || ptr != value.data() + value.size()) {
                        drop(scan, line, "a Content-Length that is not a number");
                        continue;
                    }
                    if (scan.content_length) {
                        // The same value twice says nothing new; two values
                        // would leave the client to pick one.
                        if (*scan.content_length != length) drop(scan, line, "a second, different Content-Length");
                        continue;
                    }
                    scan.content_length = length;
                }
                break;
            case 't':
                if (iequals(name, "Transfer-Encoding")) {
                    if (transfer_encoding_count++ == 0) first_transfer_encoding = line;
                    if (!value.empty() && !has_item(transfer_codings, value))
                        transfer_codings.append(transfer_codings.empty() ? "" : ", ").append(value);
                    continue;
                }
                break;
            case 's': scan.has_server = scan.has_server || iequals(name, "Server"); break;
            case 'd': scan.has_date = scan.has_date || iequals(name, "Date"); break;
            default: break;
        }
        out.append(line);
        out.append("\r\n");
    }
    if (transfer_encoding_count > 0 && scan.content_length) {
        drop(scan, first_transfer_encoding, "Transfer-Encoding next to a Content-Length");
        scan.dropped += transfer_encoding_count - 1;
    } else if (!transfer_codings.empty()) {
        scan.transfer_encoding = true;
        out.append("Transfer-Encoding: ").append(transfer_codings).append("\r\n");
    }
    return scan;
}

std::string printable(std::string_view text, std::size_t limit) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (char c : text.substr(0, limit)) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\r') out.append("\\r");
        else if (c == '\n') out.append("\\n");
        else if (c == '\t') out.append("\\t");
        else if (is_control_char(c)) out.append("\\x").append(1, kHex[u >> 4]).append(1, kHex[u & 15]);
        else out.push_back(c);
    }
    if (text.size() > limit) out.append("...");
    return out;
}

}  // namespace isapi::ecb::detail
