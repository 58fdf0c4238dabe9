#pragma once
// A request serialised once, before the run, so the hot path only writes
// bytes. A Host header and a Content-Length are added when missing.
#include <string>
#include <utility>
#include <vector>

namespace isapi::loadgen {

struct RequestSpec {
    std::string method = "GET";
    std::string target = "/";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool close_connection = false;  // ask the server to close after the response
};

struct RequestTemplate {
    std::string bytes;   // the whole request as it goes on the wire
    bool head = false;   // a HEAD request: its response has no body
    bool close = false;  // sends Connection: close: the connection is not reused, whatever the response says
};

// `default_host` is used when the spec has no Host header.
RequestTemplate serialize_request(const RequestSpec& spec, const std::string& default_host);

}  // namespace isapi::loadgen
