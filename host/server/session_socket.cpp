#include "session_socket.hpp"

#include <algorithm>
#include <utility>

namespace isapi::host {

namespace net = boost::asio;
using error_code = boost::system::error_code;

SessionSocket::SessionSocket(net::ip::tcp::socket socket, const ServerLimits& limits, TlsContext* tls)
    : strand_(net::make_strand(socket.get_executor())),
      socket_(std::move(socket)),
      handler_executor_(tls ? net::any_io_executor(strand_) : socket_.get_executor()),
      timer_(strand_),
      limits_(limits) {
#if ISAPI_HOST_TLS
    if (tls) {
        tls_context_ = tls;
        tls_ = std::make_unique<net::ssl::stream<net::ip::tcp::socket&>>(socket_, tls->context());
    }
#endif
    error_code ec;
    socket_.set_option(net::ip::tcp::no_delay(true), ec);
    // Sync writes from pool threads must never block inside the kernel: a
    // full send buffer falls back to an awaited async write with a timeout.
    socket_.non_blocking(true, ec);
}

// Wakes at the current deadline (or every timeout period while there is
// none) and cancels the socket's operation once the deadline has passed.
void SessionSocket::watch_deadline() {
    const auto period = std::min(limits_.request_timeout, limits_.write_timeout);
    const Clock::rep deadline = deadline_;
    const auto now = Clock::now();
    if (deadline != kNoDeadline && now.time_since_epoch().count() >= deadline) {
        deadline_ = kNoDeadline;
        timed_out_ = true;
        error_code ignored;
        socket_.cancel(ignored);
    }
    if (!socket_.is_open()) return;
    auto wake = now + period;
    if (deadline != kNoDeadline && deadline > now.time_since_epoch().count())
        wake = std::min(wake, Clock::time_point(Clock::duration(deadline)));
    timer_.expires_at(wake);
    timer_.async_wait([self = hold(this)](error_code ec) {
        if (!ec) self->watch_deadline();
    });
}

#if ISAPI_HOST_TLS
void SessionSocket::handshake(std::function<void(std::optional<ecb::TlsInfo>)> done) {
    arm(limits_.request_timeout);
    tls_->async_handshake(net::ssl::stream_base::server,
                          bind([self = hold(this), done = std::move(done)](error_code ec) {
                              self->disarm();
                              if (ec) return done(std::nullopt);
                              done(self->tls_context_->describe(self->tls_->native_handle()));
                          }));
}
#endif

void SessionSocket::close(bool abortive) {
#if ISAPI_HOST_TLS
    // A close_notify first, so a client reading a response that ends with
    // the connection can tell it from a cut one. Bounded by the write
    // timeout; a client that answers with its own close_notify or just
    // closes ends it sooner.
    if (closing_ && !abortive) return;  // the close_notify's end closes the socket
    if (tls_ && !abortive && socket_.is_open()) {
        connected_ = false;
        closing_ = true;
        arm(limits_.write_timeout);
        tls_->async_shutdown(bind([self = hold(this)](error_code) { self->close_socket(false); }));
        return;
    }
#endif
    close_socket(abortive);
}

void SessionSocket::close_socket(bool abortive) {
    connected_ = false;
    deadline_ = kNoDeadline;
    timer_.cancel();
    error_code ec;
    // Both act on the connection, not on this descriptor: with a copy held
    // elsewhere (--handoff) the client still sees the end now.
    if (abortive) socket_.set_option(net::socket_base::linger(true, 0), ec);
    else socket_.shutdown(net::ip::tcp::socket::shutdown_send, ec);
    socket_.close(ec);
    if (tracker_ && !std::exchange(ended_, true)) tracker_->closed(abortive);
}

void SessionSocket::release(std::string leftover) {
    connected_ = false;
    deadline_ = kNoDeadline;
    timer_.cancel();
    error_code ec;
    if (!tracker_ || std::exchange(ended_, true)) {
        socket_.close(ec);
        return;
    }
    // No shutdown: the connection lives on, through the descriptor the
    // tracker gets (a worker closes it, the front end holding a copy; the
    // front end passes it to a worker).
    std::intptr_t descriptor = socket_.release(ec);
    if (ec) {
        socket_.close(ec);
        descriptor = -1;
    }
    tracker_->handed_back(std::move(leftover), descriptor);
}

}  // namespace isapi::host
