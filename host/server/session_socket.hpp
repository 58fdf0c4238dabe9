#pragma once
// The part of one client connection that its request reader (HttpSession)
// and its two transports (BlockingTransport, RelayTransport) share: the
// socket, the strand that orders its read side, the connection's deadline,
// the flags that other threads read, and the stream the bytes go through:
// the socket itself, or TLS over it. Which thread may touch what:
// docs/architecture.md, "Threading model".
#include "counting_handler.hpp"
#include "drain_aware_read.hpp"
#include "limits.hpp"
#include "session_tracker.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#if ISAPI_HOST_TLS
#include "tls_context.hpp"

#include <boost/asio/ssl/stream.hpp>
#endif

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace isapi::host {

#if !ISAPI_HOST_TLS
class TlsContext {};  // TLS is not built in: there is never one
#endif

class SessionSocket {
public:
    using Strand = boost::asio::strand<boost::asio::any_io_executor>;
    using Clock = std::chrono::steady_clock;

    // With `tls`, the connection speaks TLS (handshake() first).
    SessionSocket(boost::asio::ip::tcp::socket socket, const ServerLimits& limits, TlsContext* tls = nullptr);

    // What Asio's and Beast's composed operations read and write: the
    // socket, or TLS over it. Its operations' handlers must come through
    // bind(), and over TLS they must be started on the strand.
    class Stream {
    public:
        using executor_type = boost::asio::any_io_executor;
        explicit Stream(SessionSocket& owner) : owner_(owner) {}
        executor_type get_executor() { return owner_.socket_.get_executor(); }
        template <class Buffers, class Handler>
        void async_read_some(const Buffers& buffers, Handler&& handler) {
#if ISAPI_HOST_TLS
            if (owner_.tls_) return owner_.tls_->async_read_some(buffers, std::forward<Handler>(handler));
#endif
            async_read_drain_aware(owner_.socket_, buffers,
                                   CountingHandler<std::decay_t<Handler>>(std::forward<Handler>(handler), owner_.bytes_read_));
        }
        template <class Buffers, class Handler>
        void async_write_some(const Buffers& buffers, Handler&& handler) {
#if ISAPI_HOST_TLS
            if (owner_.tls_) return owner_.tls_->async_write_some(buffers, std::forward<Handler>(handler));
#endif
            owner_.socket_.async_write_some(buffers, std::forward<Handler>(handler));
        }

    private:
        SessionSocket& owner_;
    };
    Stream& stream() { return stream_; }

    // A TLS connection has one TLS state for both directions, so everything
    // on it runs on the strand: its handlers (bind() sees to that), its
    // reads, and its writes, which never go to the socket directly.
    bool tls() const { return tls_ != nullptr; }
    // `handler`, run where this connection's operations complete: the
    // strand over TLS, the socket's executor otherwise (as unbound).
    template <class Handler>
    auto bind(Handler&& handler) const {
        return boost::asio::bind_executor(handler_executor_, std::forward<Handler>(handler));
    }
#if ISAPI_HOST_TLS
    // The server's handshake (on the strand, within the request timeout);
    // `done` gets what it settled, or nullopt when it failed.
    void handshake(std::function<void(std::optional<ecb::TlsInfo>)> done);
    const TlsContext& tls_context() const { return *tls_context_; }
#endif

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
    void set_response_started() {
        response_started_ = true;
        if (tracker_) tracker_->state(SessionState::responding, bytes_read());
    }
    // Every byte read from the socket so far (not counted over TLS, which
    // is never handed to another process).
    std::uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_acquire); }

    // A connection that another process holds a copy of, or that the front
    // end passes on once kept alive (--handoff): told of the state and of
    // the end. Set once, before start.
    void set_tracker(SessionTracker* tracker) { tracker_ = tracker; }
    SessionTracker* tracker() const { return tracker_; }
    // Lets the connection go without shutting it down, for the tracker to
    // pass on: tells it handed_back(leftover, descriptor).
    void release(std::string leftover);

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
    // (the bytes already sent still arrive; over TLS, after a close_notify),
    // or abortively (a reset).
    void close(bool abortive);

private:
    static constexpr Clock::rep kNoDeadline = Clock::duration::max().count();
    void close_socket(bool abortive);

    Strand strand_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::any_io_executor handler_executor_;
    Stream stream_{*this};
#if ISAPI_HOST_TLS
    TlsContext* tls_context_ = nullptr;
    std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
    bool closing_ = false;  // a close_notify is on its way (strand)
#else
    void* tls_ = nullptr;
#endif
    boost::asio::steady_timer timer_;
    const ServerLimits& limits_;
    std::weak_ptr<void> owner_;
    SessionTracker* tracker_ = nullptr;
    bool ended_ = false;  // the tracker heard closed() or handed_back()
    std::atomic<Clock::rep> deadline_{kNoDeadline};  // ticks since the clock's epoch
    std::atomic<bool> timed_out_{false};
    std::atomic<bool> connected_{true};
    std::atomic<bool> response_started_{false};
    std::atomic<std::uint64_t> request_number_{0};  // which request on this connection
    std::atomic<std::uint64_t> bytes_read_{0};
};

}  // namespace isapi::host
