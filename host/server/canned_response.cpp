#include "canned_response.hpp"

namespace isapi::host {

std::string_view reason_phrase(unsigned status) {
    switch (status) {
        case 200: return "OK";
        case 400: return "Bad Request";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 413: return "Content Too Large";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        default: return "Error";
    }
}

std::string canned_response(unsigned status, std::string_view body, bool keep_alive) {
    std::string text;
    text.reserve(160 + body.size());
    text += "HTTP/1.1 ";
    text += std::to_string(status);
    text += ' ';
    text += reason_phrase(status);
    text += "\r\nServer: isapi-harness/0.1\r\nContent-Type: text/plain\r\nContent-Length: ";
    text += std::to_string(body.size() + 1);
    text += keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
    text += body;
    text += '\n';
    return text;
}

}  // namespace isapi::host
