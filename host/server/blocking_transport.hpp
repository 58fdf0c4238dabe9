#pragma once
// A connection's transport for extension code run in process: WriteClient
// and ReadClient block the calling thread (a pool thread, or the I/O thread
// running a request inline) until the kernel has taken the bytes or the
// client has sent them. The cheap path writes to the socket directly; a full
// send buffer or a body read waits for an operation on the connection's
// strand. Small responses written inline are corked: held until the end of
// the I/O thread's batch of handlers (BatchEnd), and sent first by whoever
// writes next, so the order holds. Which thread may do what, why corking
// pays: docs/architecture.md, "Threading model". Over TLS the bytes must be
// sealed where the TLS state lives, so every write goes through the
// connection's queue of asynchronous writes on the strand (RelayTransport).
#include "body_reader.hpp"
#include "relay_transport.hpp"
#include "session_socket.hpp"

#include <boost/asio/buffer.hpp>

#include <cstddef>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace isapi::host {

class BlockingTransport {
public:
    BlockingTransport(SessionSocket& socket, BodyReader& body, RelayTransport& queued)
        : socket_(socket), body_(body), queued_(queued) {}

    // Sends (or corks) the pieces, in order after anything held back; false
    // when the client is gone.
    bool send(std::span<const std::string_view> pieces);
    // Waits for body bytes read on the strand: the count, 0 at the end of
    // the body, nullopt on failure.
    std::optional<std::size_t> receive(std::span<char> buffer);

    // The held-back bytes, for a writer about to send: they go out first.
    std::string take_corked();
    // The corked bytes a writer took are with the kernel now (handed-over
    // connections track them: SessionTracker::bytes_pending).
    void corked_written();
    // Writes `earlier` then `pieces`, waiting (through the strand) if the
    // kernel's send buffer is full.
    bool write_all(std::string_view earlier, std::span<const std::string_view> pieces);

private:
    // Sends what corking held back (an I/O thread, at the end of its batch);
    // waits for the socket to drain if the kernel cannot take it all.
    void flush_corked();
    bool write_blocking_on_strand(std::span<const boost::asio::const_buffer> buffers);
    // Over TLS: queues the bytes on the strand. Extension code run inline
    // does not wait for a small write (the I/O thread must go on); any
    // other caller waits until the kernel has the bytes, as WriteClient does.
    bool send_sealed(std::string bytes);

    SessionSocket& socket_;
    BodyReader& body_;
    RelayTransport& queued_;
    // Larger responses go out at once: the kernel's send buffer starts at
    // 16 KiB (tcp_wmem), so a flush of this much rarely has to wait.
    static constexpr std::size_t kCorkLimit = 16 * 1024;
    std::mutex cork_mutex_;
    std::string corked_;  // not empty: a flush is deferred or waits for the socket
};

}  // namespace isapi::host
