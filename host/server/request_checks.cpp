#include "request_checks.hpp"

#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include <cctype>
#include <string_view>
#include <vector>

namespace isapi::host {

namespace http = boost::beast::http;

namespace {

// "HTTP/d.d" at the end of the request line: a version, if not ours.
bool names_a_version(std::string_view unparsed) {
    const auto line = unparsed.substr(0, unparsed.find('\r'));
    const auto space = line.rfind(' ');
    if (space == std::string_view::npos) return false;
    const auto version = line.substr(space + 1);
    return version.size() == 8 && version.starts_with("HTTP/") && std::isdigit(static_cast<unsigned char>(version[5])) &&
           version[6] == '.' && std::isdigit(static_cast<unsigned char>(version[7]));
}


std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}


// Every coding named by every Transfer-Encoding field, in order.
std::vector<std::string_view> transfer_codings(const http::fields& header) {
    std::vector<std::string_view> codings;
    for (auto [it, end] = header.equal_range(http::field::transfer_encoding); it != end; ++it) {
        std::string_view list = it->value();
        while (true) {
            const auto comma = list.find(',');
            const auto coding = trim(list.substr(0, comma));
            // Parameters (";q=…") belong to the coding: keep its name only.
            // Empty list elements are allowed and mean nothing (RFC 9110 §5.6.1).
            if (!coding.empty()) codings.push_back(trim(coding.substr(0, coding.find(';'))));
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
    }
    return codings;
}

}  // namespace

Refusal refusal_for_parse_error(const boost::beast::error_code& ec, std::string_view unparsed) {
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
        return {431, "a request header, trailer or chunk line is too large"};
    if (ec == http::error::body_limit) return {413, "request body is too large"};
    // Beast refuses a well-formed version other than 1.0 and 1.1 and a
    // malformed one alike; only the first is 505 (RFC 9110 §15.6.6).
    if (ec == http::error::bad_version && names_a_version(unparsed))
        return {505, "only HTTP/1.0 and HTTP/1.1 are supported"};
    return {400, "malformed request: " + ec.message()};
}

Refusal refusal_for_header(const http::fields& header, unsigned version) {
    const auto hosts = header.count(http::field::host);
    if (version >= 11 && hosts != 1) return {400, hosts == 0 ? "the Host header is missing" : "more than one Host header"};
    if (hosts > 1) return {400, "more than one Host header"};

    if (header.count(http::field::transfer_encoding) == 0) return {};
    const auto codings = transfer_codings(header);
    if (codings.empty()) return {400, "Transfer-Encoding names no coding"};
    if (version < 11) return {400, "Transfer-Encoding in an HTTP/1.0 request"};
    if (header.count(http::field::content_length) != 0)
        return {400, "both Content-Length and Transfer-Encoding"};
    // The body's length is known only when chunked comes last (RFC 9112 §6.3).
    if (!boost::beast::iequals(codings.back(), "chunked")) return {400, "the last transfer coding is not chunked"};
    if (codings.size() > 1) {
        // Chunked may be applied once only; any other coding we do not decode.
        if (boost::beast::iequals(codings.front(), "chunked")) return {400, "chunked applied more than once"};
        return {501, "transfer coding '" + std::string(codings.front()) + "' is not implemented"};
    }
    return {};
}

}  // namespace isapi::host
