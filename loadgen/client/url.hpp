#pragma once
// An http:// URL split into what the client needs. Only plain HTTP is
// supported; https:// is refused with a clear message.
#include <cstdint>
#include <string>
#include <string_view>

namespace isapi::loadgen {

struct Url {
    std::string host;       // without brackets for IPv6 literals
    std::uint16_t port = 80;
    std::string target;     // path and query, at least "/"
    std::string authority;  // what goes into Host: ("example.com:8080")

    // Throws std::invalid_argument with the reason.
    static Url parse(std::string_view text);
};

}  // namespace isapi::loadgen
