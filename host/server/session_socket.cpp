#include "session_socket.hpp"

#include <algorithm>

namespace isapi::host {

namespace net = boost::asio;
using error_code = boost::system::error_code;

SessionSocket::SessionSocket(net::ip::tcp::socket socket, const ServerLimits& limits)
    : strand_(net::make_strand(socket.get_executor())), socket_(std::move(socket)), timer_(strand_), limits_(limits) {
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

void SessionSocket::close(bool abortive) {
    connected_ = false;
    deadline_ = kNoDeadline;
    timer_.cancel();
    error_code ec;
    if (abortive) socket_.set_option(net::socket_base::linger(true, 0), ec);
    else socket_.shutdown(net::ip::tcp::socket::shutdown_send, ec);
    socket_.close(ec);
}

}  // namespace isapi::host
