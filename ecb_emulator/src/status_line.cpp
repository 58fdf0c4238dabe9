#include "status_line.hpp"

#include "header_text.hpp"

namespace isapi::ecb::detail {

std::optional<unsigned> parse_status(std::string_view status) {
    // RFC 9112's reason-phrase: HTAB, SP, visible and obs-text only.
    for (char c : status) {
        if (is_control_char(c)) return std::nullopt;
    }
    if (status.size() < 3) return std::nullopt;
    unsigned code = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        const char c = status[i];
        if (c < '0' || c > '9') return std::nullopt;
        code = code * 10 + static_cast<unsigned>(c - '0');
    }
    if (code < 100) return std::nullopt;
    if (status.size() > 3 && status[3] != ' ') return std::nullopt;
    return code;
}

}  // namespace isapi::ecb::detail

namespace isapi::ecb {

std::string_view reason_phrase(unsigned code) {
    switch (code) {
        case 100: return "Continue";
        case 101: return "Switching Protocols";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 206: return "Partial Content";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 303: return "See Other";
        case 304: return "Not Modified";
        case 307: return "Temporary Redirect";
        case 308: return "Permanent Redirect";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 409: return "Conflict";
        case 410: return "Gone";
        case 411: return "Length Required";
        case 413: return "Content Too Large";
        case 415: return "Unsupported Media Type";
        case 431: return "Request Header Fields Too Large";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        default: return "Unknown";
    }
}

}  // namespace isapi::ecb
