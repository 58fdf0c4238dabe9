// The header an extension hands to HSE_REQ_SEND_RESPONSE_HEADER(_EX): the
// status text and the header text go through ResponseWriter::send_header
// (status parser, header_text.cpp's scanner), then a body and finish(), into
// a transport that keeps the bytes. The response that reaches the client must
// stay well-formed whatever the extension wrote: every header line is
// "name: value" with no control byte that could end it early, and the
// framing headers appear at most once.
//
// Input: one byte of options, one byte for the status text's length, the
// status text, then the header text.
#include "fuzz_check.hpp"
#include "header_text.hpp"
#include "response_writer.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ecb = isapi::ecb;

namespace {

class KeepingTransport final : public ecb::Transport {
public:
    std::string bytes;

    bool send(std::span<const std::string_view> pieces) override {
        for (auto piece : pieces) bytes.append(piece);
        return true;
    }
    std::optional<std::size_t> receive(std::span<char>) override { return 0; }
    bool connected() const override { return true; }
    void finish(bool, bool) override {}  // the session calls it, not the writer
};

bool starts_with_name(std::string_view line, std::string_view name) {
    if (line.size() <= name.size() || line[name.size()] != ':') return false;
    return ecb::detail::iequals(line.substr(0, name.size()), name);
}

// Checks the header block at the start of `response`.
void check_head(std::string_view response) {
    const auto end = response.find("\r\n\r\n");
    FUZZ_REQUIRE(end != std::string_view::npos);
    std::string_view head = response.substr(0, end + 2);
    FUZZ_REQUIRE(head.starts_with("HTTP/1.1 "));
    int content_length = 0, connection = 0, transfer_encoding = 0;
    bool status_line = true;
    while (!head.empty()) {
        const auto crlf = head.find("\r\n");
        const auto line = head.substr(0, crlf);
        head.remove_prefix(crlf + 2);
        // A lone CR or LF, or a NUL, inside a line lets a client see a line
        // (a header the extension never validly wrote) where there is none.
        for (char c : line) FUZZ_REQUIRE(c != '\r' && c != '\n' && c != '\0');
        if (status_line) {
            status_line = false;
            continue;
        }
        const auto colon = line.find(':');
        FUZZ_REQUIRE(colon != std::string_view::npos && colon > 0);
        for (char c : line.substr(0, colon)) FUZZ_REQUIRE(c > ' ' && c < 127);
        content_length += starts_with_name(line, "Content-Length");
        connection += starts_with_name(line, "Connection");
        transfer_encoding += starts_with_name(line, "Transfer-Encoding") && line.ends_with(": chunked");
    }
    FUZZ_REQUIRE(content_length <= 1);
    FUZZ_REQUIRE(connection <= 1);
    FUZZ_REQUIRE(transfer_encoding <= 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t options = data[0];
    std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
    const std::string_view status = rest.substr(0, data[1] % 32);
    const std::string_view header_text = rest.substr(status.size());

    KeepingTransport transport;
    ecb::detail::ResponseWriter::Options writer_options;
    writer_options.head_request = options & 1;
    writer_options.http11 = !(options & 2);
    writer_options.client_keep_alive = !(options & 4);
    const bool keep_conn = !(options & 8);
    ecb::detail::ResponseWriter writer(transport, writer_options);

    const auto sent = writer.send_header(status, header_text, keep_conn);
    if (options & 16) {
        const std::string_view body[] = {"body bytes"};
        writer.write_body(body, false);
    }
    const auto result = writer.finish(false, 200, keep_conn);
    check_head(transport.bytes);
    if (sent == ecb::detail::ResponseWriter::Status::ok) {
        FUZZ_REQUIRE(transport.bytes.starts_with(std::string("HTTP/1.1 ").append(status)));
    }
    FUZZ_REQUIRE(result.bytes_sent == transport.bytes.size());
    // Keep-alive only when the client, the extension and the header allow it.
    if (result.keep_alive) FUZZ_REQUIRE(writer_options.client_keep_alive && keep_conn);
    return 0;
}
