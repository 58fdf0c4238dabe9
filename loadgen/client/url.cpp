#include "url.hpp"

#include <charconv>
#include <stdexcept>

namespace isapi::loadgen {

Url Url::parse(std::string_view text) {
    const std::string original(text);
    constexpr std::string_view scheme = "http://";
    if (text.starts_with("https://"))
        throw std::invalid_argument("https is not supported: " + original);
    if (!text.starts_with(scheme))
        throw std::invalid_argument("URL must start with http:// : " + original);
    text.remove_prefix(scheme.size());
    const auto slash = text.find_first_of("/?");
    std::string_view authority = text.substr(0, slash);
    Url url;
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

}  // namespace isapi::loadgen
