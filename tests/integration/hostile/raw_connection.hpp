#pragma once
// A raw TCP client for hostile tests: it writes any bytes at all (broken
// framing, endless chunk lines, one byte at a time), keeps whatever the
// server answers while it writes, and tells a close from a reset. Beast's
// client would refuse to send most of what these tests send.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace isapi::itest::hostile {

// One response found in the bytes a server sent.
struct RawResponse {
    unsigned status = 0;
    std::string head;  // status line and header fields
    std::string body;
};

// The complete responses at the start of `bytes`, in order. A response
// without Content-Length runs to the end and counts only when `closed`.
std::vector<RawResponse> complete_responses(std::string_view bytes, bool closed);

// Everything the server sent on one connection, and how it ended.
struct Transcript {
    std::string bytes;
    bool closed = false;  // FIN or RST seen
    bool reset = false;   // RST (ECONNRESET) seen
};

class RawConnection {
public:
    // Connects to 127.0.0.1:port (throws std::runtime_error on failure or timeout).
    explicit RawConnection(std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(2));
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    // Writes `bytes`, collecting what the server sends meanwhile, until all
    // is written, the server closes or resets, or `timeout` passes. Returns
    // how many bytes went out.
    std::size_t send(std::string_view bytes, std::chrono::milliseconds timeout);
    // The same for `count` copies of `fill`, without building them in memory.
    std::size_t send_filler(char fill, std::size_t count, std::chrono::milliseconds timeout);

    // Reads until the server closes the connection or `timeout` passes.
    const Transcript& read_until_close(std::chrono::milliseconds timeout);
    // Reads until `count` complete responses have arrived, the server
    // closes, or `timeout` passes; returns the complete ones.
    std::vector<RawResponse> read_responses(std::size_t count, std::chrono::milliseconds timeout);
    // Waits up to `timeout` for any byte or a close (never blocks longer).
    void wait_readable(std::chrono::milliseconds timeout);

    const Transcript& transcript() const { return transcript_; }
    std::vector<RawResponse> responses() const { return complete_responses(transcript_.bytes, transcript_.closed); }

    void close();  // orderly: FIN
    void reset();  // abortive: RST, unread data discarded

private:
    std::size_t send_pieces(std::string_view piece, std::size_t total, std::chrono::milliseconds timeout);
    // Reads whatever is available now; false once the connection is closed.
    bool drain_available();

    int fd_ = -1;
    Transcript transcript_;
};

}  // namespace isapi::itest::hostile
