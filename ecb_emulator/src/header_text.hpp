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
};

// Appends each well-formed header line of `text` to `out`, CRLF-terminated.
// Lenient on purpose, as IIS is: bare LF line ends are accepted, a missing
// blank line just means there is no body, and lines that are not
// "name: value" (or are folded continuations) are dropped rather than passed
// on to corrupt the response. Connection lines are dropped too: the response
// writer alone decides the connection's fate and says so once. A
// Content-Length that is not a number is dropped and treated as absent.
HeaderScan scan_header_text(std::string_view text, std::string& out);

// ASCII case-insensitive equality, for header and variable names.
bool iequals(std::string_view a, std::string_view b);

}  // namespace isapi::ecb::detail
