#pragma once
// An http:// or https:// URL split into what the client needs. The scheme
// decides the transport (tls) and the default port (80 or 443); anything
// else (ftp://, a bare host) is refused with a clear message.
#include <cstdint>
#include <string>
#include <string_view>

namespace isapi::loadgen {

struct Url {
    std::string host;       // without brackets for IPv6 literals
    std::uint16_t port = 80;
    std::string target;     // path and query, at least "/"
    std::string authority;  // what goes into Host: ("example.com:8080")
    bool tls = false;       // https://: TLS over the TCP connection

    std::string_view scheme() const noexcept { return tls ? "https" : "http"; }
    // "scheme://authority": the URL without its target.
    std::string origin() const { return std::string(scheme()) + "://" + authority; }

    // Throws std::invalid_argument with the reason.
    static Url parse(std::string_view text);
};

// True when `host` (as Url::host holds it) is an IPv4 or IPv6 literal
// rather than a name: TLS sends no SNI for it and checks the certificate's
// IP addresses instead of its DNS names.
bool is_ip_literal(std::string_view host);

}  // namespace isapi::loadgen
