#pragma once
// Reads the header text an extension passes to SEND_RESPONSE_HEADER(_EX),
// TRANSMIT_FILE or VECTOR_SEND: "Name: value\r\n" lines, a blank line, and
// possibly body bytes after it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace isapi::ecb::detail {

struct HeaderScan {
    std::optional<std::uint64_t> content_length;
    bool transfer_encoding = false;  // the extension frames the body itself
    bool connection_close = false;
    bool has_server = false;
    bool has_date = false;
    std::string_view body;  // bytes after the blank line, a view into the input

    // Lines left out because they were malformed or could split the
    // response: how many, the first of them (a view into the input) and why.
    unsigned dropped = 0;
    std::string_view first_dropped;
    std::string_view first_reason;
};

// Appends each well-formed header line of `text` to `out`, CRLF-terminated.
// Lenient on purpose, as IIS is: bare LF line ends are accepted, and a
// missing blank line just means there is no body. Never lets a line through
// that could corrupt or split the response; such lines are dropped, the rest
// kept, and each drop counted in the scan (the writer makes it a finding):
//  - a control character anywhere in the line other than HTAB (a CR not
//    followed by LF, NUL, ESC, DEL...): some clients end a line at a bare CR;
//  - a line that is not "name: value", a name that is not a token, and a
//    folded continuation line (obs-fold, which RFC 9112 forbids senders);
//  - a Content-Length that is not a number, or a second one that differs;
//  - Transfer-Encoding next to a Content-Length (RFC 9112 forbids sending
//    both): the Content-Length stays, since the writer can hold the body to
//    it, and the extension's own chunking it cannot check.
// Several Transfer-Encoding lines go out as one, each coding once, so no
// client is told to undo "chunked" twice.
// Connection lines are dropped too, uncounted: the response writer alone
// decides the connection's fate and says so once.
HeaderScan scan_header_text(std::string_view text, std::string& out);

// A C0 control other than HTAB, or DEL: never part of a header or status line.
bool is_control_char(char c);

// ASCII case-insensitive equality, for header and variable names.
bool iequals(std::string_view a, std::string_view b);

// `text` made safe for a one-line log or finding: controls as \r, \n, \t or
// \xNN, cut to `limit` characters with "..." after.
std::string printable(std::string_view text, std::size_t limit = 80);

}  // namespace isapi::ecb::detail
