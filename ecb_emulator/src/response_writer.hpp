#pragma once
// Frames one HTTP/1.1 response on a Transport: status line, Server and Date,
// the extension's headers, the host's extra headers, and the body framing
// (the extension's Content-Length, its own Transfer-Encoding, chunked, or
// close-delimited). Not thread-safe: the session serialises calls.
#include "piece_list.hpp"

#include <isapi/ecb/request.hpp>
#include <isapi/ecb/transport.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace isapi::ecb::detail {

class ResponseWriter {
public:
    struct Options {
        bool head_request = false;      // never send body bytes
        bool http11 = true;             // chunked is possible
        bool client_keep_alive = true;  // the client allows keeping the connection
        const std::vector<Header>* extra_headers = nullptr;
    };

    enum class Status { ok, header_already_sent, bad_status, transport_failed, body_finished };

    struct Result {
        unsigned status = 0;
        std::uint64_t bytes_sent = 0;
        bool keep_alive = false;
        bool aborted = false;
    };

    // Told a finding kind and one line of evidence whenever the writer leaves
    // out or refuses what the extension gave it: "bad_response_header" for
    // header lines that are malformed or could split the response and for a
    // status line with control characters, "body_past_content_length" for
    // body bytes past the declared Content-Length. Called with the session's
    // I/O lock held; it must not call back into the writer.
    using BadResponseSink = std::function<void(std::string_view kind, std::string evidence)>;

    ResponseWriter(Transport& transport, Options options, BadResponseSink on_bad_response = {});

    // Builds the header block and holds it, with any body bytes that followed
    // the blank line, until the next body write, flush() or finish(): one
    // send instead of two for the common header-then-body response. Header
    // lines that could split the response are left out (scan_header_text),
    // the rest sent.
    Status send_header(std::string_view status, std::string_view header_text, bool keep_conn);

    // The header an extension gets when it writes body bytes before any header.
    Status send_default_header(unsigned code, bool keep_conn);

    // Sends body bytes (framed as needed) with any held header block. `final`
    // ends the body in the same send (HSE_IO_FINAL_SEND). Under a
    // Content-Length, bytes past it are never sent: the client would read
    // them as the next response. Bytes that complete the body are held (up to
    // kHoldLimitBytes, copied) for finish(), which can hand them to the
    // transport with the end of the response.
    Status write_body(std::span<const std::string_view> body, bool final);

    // True while bytes are held back; flush() sends them now (their time
    // limit passed, or the extension returned or is about to wait).
    bool holding() const { return !head_.empty(); }
    Status flush();

    // A complete response produced elsewhere (HSE_REQ_SEND_URL), sent as is.
    Status write_raw(std::string_view bytes, unsigned status, bool keep_alive);

    // Ends the response. `error` is HSE_STATUS_ERROR: a 500 when nothing went
    // out yet, otherwise a close. Success with nothing sent yields
    // `default_status` with an empty body.
    Result finish(bool error, unsigned default_status, bool keep_conn);

    bool header_started() const { return header_started_; }
    // What the connection would do if the response ended now (IS_KEEP_CONN).
    bool keep_alive_intended(bool keep_conn) const;

    // Held bytes beyond this go out at once: a large response gains nothing
    // from waiting for the end (the socket's send buffer starts at 16 KiB).
    static constexpr std::size_t kHoldLimitBytes = 16 * 1024;

private:
    enum class Framing : std::uint8_t { none, content_length, passthrough, chunked, close_delimited, raw };

    bool framed_body() const { return framing_ != Framing::none && framing_ != Framing::raw; }
    void hold_body(std::string_view body);
    // How many of `size` new body bytes may go out: all of them, except past
    // a declared Content-Length, which is reported once.
    std::uint64_t sendable(std::uint64_t size);
    void report(std::string_view kind, std::string evidence);
    // The held bytes, then `more`, in one send.
    Status send_held(std::span<const std::string_view> more);
    // `final`: the response ends right after these bytes (Transport::send_final).
    bool transmit(const PieceList& pieces, bool final = false);

    Transport& transport_;
    Options options_;
    BadResponseSink on_bad_response_;
    std::string head_;  // held bytes (header block, framed body), not yet transmitted
    Framing framing_ = Framing::none;
    unsigned status_ = 0;
    std::uint64_t declared_length_ = 0;
    std::uint64_t body_bytes_ = 0;  // as the extension wrote them, before framing
    std::uint64_t bytes_sent_ = 0;
    bool header_started_ = false;
    bool transmitted_ = false;  // some bytes reached the transport
    bool keep_ = false;         // decided with the header block
    bool body_finished_ = false;
    bool failed_ = false;
    bool overflow_reported_ = false;
};

}  // namespace isapi::ecb::detail
