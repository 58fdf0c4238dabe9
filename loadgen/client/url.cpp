#include "url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace isapi::loadgen {

Url Url::parse(std::string_view text) {
    const std::string original(text);
    Url url;
    // The scheme is case-insensitive (RFC 3986 3.1): HTTPS:// is https://.
    auto has_scheme = [&](std::string_view scheme) {
        if (text.size() < scheme.size()) return false;
        for (std::size_t i = 0; i < scheme.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(text[i])) != scheme[i]) return false;
        return true;
    };
    if (has_scheme("https://")) {
        url.tls = true;
        url.port = 443;
        text.remove_prefix(8);
    } else if (has_scheme("http://")) {
        text.remove_prefix(7);
    } else {
        throw std::invalid_argument("URL must start with http:// or https:// : " + original);
    }
    const auto slash = text.find_first_of("/?");
    std::string_view authority = text.substr(0, slash);
    url.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
    if (url.target.front() == '?') url.target.insert(url.target.begin(), '/');
    url.authority = std::string(authority);
    if (authority.empty()) throw std::invalid_argument("URL has no host: " + original);

    std::string_view port_text;
    if (authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) throw std::invalid_argument("unclosed [ in URL: " + original);
        url.host = std::string(authority.substr(1, close - 1));
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') throw std::invalid_argument("bad port in URL: " + original);
            port_text = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.rfind(':');
        url.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (!port_text.empty()) {
        unsigned port = 0;
        const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
            throw std::invalid_argument("bad port in URL: " + original);
        url.port = static_cast<std::uint16_t>(port);
    }
    if (url.host.empty()) throw std::invalid_argument("URL has no host: " + original);
    return url;
}

bool is_ip_literal(std::string_view host) {
    if (host.find(':') != std::string_view::npos) return true;  // only IPv6 literals hold a colon
    // Four dot-separated decimal numbers below 256: what inet_pton takes as IPv4.
    int parts = 0;
    std::size_t i = 0;
    while (i <= host.size()) {
        const std::size_t dot = std::min(host.find('.', i), host.size());
        const std::string_view part = host.substr(i, dot - i);
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
        if (part.empty() || part.size() > 3 || ec != std::errc{} || end != part.data() + part.size() || value > 255)
            return false;
        ++parts;
        i = dot + 1;
    }
    return parts == 4;
}

}  // namespace isapi::loadgen
