#include "canned_response.hpp"

#include <isapi/ecb/http_text.hpp>
#include <isapi/version.hpp>

namespace isapi::host {

std::string canned_response(unsigned status, std::string_view body, bool keep_alive) {
    std::string text;
    text.reserve(160 + body.size());
    text += "HTTP/1.1 ";
    text += std::to_string(status);
    text += ' ';
    text += ecb::reason_phrase(status);
    text += "\r\nServer: ";
    text += version::kServerSoftware;
    text += "\r\nContent-Type: text/plain\r\nContent-Length: ";
    text += std::to_string(body.size() + 1);
    text += keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
    text += body;
    text += '\n';
    return text;
}

}  // namespace isapi::host
