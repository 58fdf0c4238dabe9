#pragma once
// The part of one client connection that its request reader (HttpSession)
// and its two transports (BlockingTransport, RelayTransport) share: the
// socket, the strand that orders its read side, the connection's deadline,
// and the flags that other threads read. Which thread may touch what:
// docs/architecture.md, "Threading model".
#include "limits.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace isapi::host {

class SessionSocket {
public:
    using Strand = boost::asio::strand<boost::asio::any_io_executor>;
    using Clock = std::chrono::steady_clock;

    SessionSocket(boost::asio::ip::tcp::socket socket, const ServerLimits& limits);

    // The session that owns this object; set once, before any handler runs.
    void set_owner(std::weak_ptr<void> owner) { owner_ = std::move(owner); }
    // A pointer to `part` of the owning session that keeps the whole session
    // alive, for handlers (one reference count, as shared_from_this()).
    template <class Part>
    std::shared_ptr<Part> hold(Part* part) const {
        return std::shared_ptr<Part>(owner_.lock(), part);
    }

    boost::asio::ip::tcp::socket& tcp() { return socket_; }
    const Strand& strand() const { return strand_; }
    const ServerLimits& limits() const { return limits_; }

    // False once the client is gone, or must get no more bytes.
    bool connected() const { return connected_; }
    void set_disconnected() { connected_ = false; }

    // A new request on this connection: its number moves on and no
    // response byte has gone out for it yet.
    void begin_request() {
        ++request_number_;
        response_started_ = false;
    }
    std::uint64_t request_number() const { return request_number_; }
    // Whether any response byte has been queued for the current request.
    bool response_started() const { return response_started_; }
    void set_response_started() { response_started_ = true; }

    // The deadline of the operation under way. One timer per connection
    // watches it, and requests move it with an atomic store, so a request
    // costs no timer operation. Once it passes, the socket's operations are
    // cancelled and timed_out() holds until the next arm.
    void arm(std::chrono::milliseconds timeout) { arm_until(Clock::now() + timeout); }
    void arm_until(Clock::time_point deadline) {
        timed_out_ = false;
        deadline_ = deadline.time_since_epoch().count();
    }
    void disarm() { deadline_ = kNoDeadline; }
    bool timed_out() const { return timed_out_; }
    // Starts the timer's loop; on the strand, once.
    void watch_deadline();

    // Stops the deadline and closes the socket: after shutting the send side
    // (the bytes already sent still arrive), or abortively (a reset).
    void close(bool abortive);

private:
    static constexpr Clock::rep kNoDeadline = Clock::duration::max().count();

    Strand strand_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer timer_;
    const ServerLimits& limits_;
    std::weak_ptr<void> owner_;
    std::atomic<Clock::rep> deadline_{kNoDeadline};  // ticks since the clock's epoch
    std::atomic<bool> timed_out_{false};
    std::atomic<bool> connected_{true};
    std::atomic<bool> response_started_{false};
    std::atomic<std::uint64_t> request_number_{0};  // which request on this connection
};

}  // namespace isapi::host
