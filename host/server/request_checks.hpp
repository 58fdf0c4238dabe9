#pragma once
// What the front end answers to a request it will not hand to an extension:
// pure functions of the parser's result, so that tests and fuzzing reach
// them without sockets. Each refusal closes the connection (the framing of
// whatever follows can no longer be trusted). docs/limits.md has the table.
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/fields.hpp>

#include <string>

namespace isapi::host {

struct Refusal {
    unsigned status = 0;  // 0: the request may go on
    std::string reason;   // for the body of the canned response and the log
    explicit operator bool() const { return status != 0; }
};

// A read of the header or the body failed with `ec` (not a timeout, not the
// peer going away): the status the client gets. `unparsed` is what the
// parser had not taken yet: the request line, when the version was refused.
Refusal refusal_for_parse_error(const boost::beast::error_code& ec, std::string_view unparsed = {});

// Checks Beast leaves to the server once the header is in (RFC 9112):
// Transfer-Encoding must be exactly "chunked" (another coding last: 400;
// one we do not implement before it: 501); HTTP/1.1 needs exactly one Host,
// HTTP/1.0 at most one; Content-Length with Transfer-Encoding is refused.
Refusal refusal_for_header(const boost::beast::http::fields& header, unsigned version);

}  // namespace isapi::host
