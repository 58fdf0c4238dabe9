#include "request_template.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace isapi::loadgen {
namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

bool has_header(const RequestSpec& spec, std::string_view name) {
    return std::any_of(spec.headers.begin(), spec.headers.end(),
                       [&](const auto& h) { return iequals(h.first, name); });
}

// Headers the client owns: framing is recomputed, hop-by-hop ones dropped.
bool client_owned(std::string_view name) {
    return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
           iequals(name, "Connection") || iequals(name, "Keep-Alive") || name.starts_with(':');
}

}  // namespace

RequestTemplate serialize_request(const RequestSpec& spec, const std::string& default_host) {
    RequestTemplate t;
    t.head = spec.method == "HEAD";
    t.close = spec.close_connection;
    std::string& out = t.bytes;
    out.reserve(128 + spec.body.size());
    out += spec.method.empty() ? "GET" : spec.method;
    out += ' ';
    out += spec.target.empty() ? "/" : spec.target;
    out += " HTTP/1.1\r\n";
    if (!has_header(spec, "Host")) out += "Host: " + default_host + "\r\n";
    if (!has_header(spec, "User-Agent")) out += "User-Agent: isapi-loadgen/0.1\r\n";
    for (const auto& [name, value] : spec.headers) {
        if (client_owned(name)) continue;
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    if (spec.close_connection) out += "Connection: close\r\n";
    if (!spec.body.empty() || spec.method == "POST" || spec.method == "PUT" || spec.method == "PATCH")
        out += "Content-Length: " + std::to_string(spec.body.size()) + "\r\n";
    out += "\r\n";
    out += spec.body;
    return t;
}

}  // namespace isapi::loadgen
