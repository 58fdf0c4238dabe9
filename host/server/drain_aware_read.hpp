#pragma once
// Reads from a stream socket (a plain TCP connection, a worker channel)
// without the recv() that finds nothing.
//
// Asio's epoll reactor starts a read with a speculative recv() unless it
// knows the socket is drained, and it believes that only after a recv()
// returned 0 (the end of the stream). A keep-alive connection that has just
// been answered has nothing to read yet, so each request's first recv()
// fails with EAGAIN: one wasted system call per request, a tenth of the
// host's CPU time on a small-request load (docs/architecture.md, "Reading
// without the empty recv()").
//
// nginx's rule is sounder: a recv() that returned less than it asked for
// drained the socket, and with edge-triggered epoll any byte that arrives
// later is reported, which makes the reactor try reads again. This header's
// receive operation is Asio's, except that it reports such a short read as
// "exhausted", so the reactor's own flag (try_speculative_) carries the
// rule: the next read waits in the reactor, at no system call, until epoll
// reports the socket readable.
//
// It relies on Asio's reactor interface (detail::reactor_op, start_op), so
// it is compiled only for the Asio it was written against (Boost 1.81, the
// epoll reactor); anywhere else, and for anything unusual (a blocking
// socket, an empty buffer, per-operation cancellation), reads are Asio's own.
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/version.hpp>

#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

#if BOOST_VERSION / 100 == 1081 && defined(BOOST_ASIO_HAS_EPOLL) && !defined(BOOST_ASIO_HAS_IOCP) && \
    !defined(BOOST_ASIO_HAS_IO_URING_AS_DEFAULT)
#define ISAPI_HOST_DRAIN_AWARE_READ 1
#include <boost/asio/detail/handler_alloc_helpers.hpp>
#include <boost/asio/detail/handler_cont_helpers.hpp>
#include <boost/asio/detail/handler_work.hpp>
#include <boost/asio/detail/reactor.hpp>
#include <boost/asio/detail/reactor_op.hpp>
#include <boost/asio/detail/socket_ops.hpp>
#else
#define ISAPI_HOST_DRAIN_AWARE_READ 0
#endif

namespace isapi::host {

// socket.async_read_some(buffers, handler), without the empty recv().
template <class Protocol, class Executor, class Buffers, class Handler>
void async_read_drain_aware(boost::asio::basic_stream_socket<Protocol, Executor>& socket, const Buffers& buffers,
                            Handler&& handler);

// A stream that is not a socket (a Windows pipe handle) reads as it does.
template <class Stream, class Buffers, class Handler>
void async_read_drain_aware(Stream& stream, const Buffers& buffers, Handler&& handler) {
    stream.async_read_some(buffers, std::forward<Handler>(handler));
}

#if ISAPI_HOST_DRAIN_AWARE_READ
namespace drain_aware_detail {

namespace net = boost::asio;

// The socket's implementation (descriptor, state, reactor registration),
// which basic_socket keeps protected.
template <class Socket>
struct SocketAccess : Socket {
    static auto& implementation(Socket& socket) { return (socket.*&SocketAccess::impl_).get_implementation(); }
};

template <class Handler, class IoExecutor>
class ReceiveOp : public net::detail::reactor_op {
public:
    BOOST_ASIO_DEFINE_HANDLER_PTR(ReceiveOp);

    ReceiveOp(net::detail::socket_type socket, net::mutable_buffer buffer, Handler& handler, const IoExecutor& io_ex)
        : reactor_op(boost::system::error_code(), &ReceiveOp::perform_receive, &ReceiveOp::complete),
          socket_(socket),
          buffer_(buffer),
          handler_(std::move(handler)),
          work_(handler_, io_ex) {}

private:
    static status perform_receive(reactor_op* base) {
        auto* op = static_cast<ReceiveOp*>(base);
        if (!net::detail::socket_ops::non_blocking_recv1(op->socket_, op->buffer_.data(), op->buffer_.size(), 0, true,
                                                         op->ec_, op->bytes_transferred_))
            return not_done;
        // Short (or the end of the stream): nothing is left to read until
        // epoll reports the socket again.
        return op->bytes_transferred_ < op->buffer_.size() ? done_and_exhausted : done;
    }

    static void complete(void* owner, net::detail::operation* base, const boost::system::error_code&, std::size_t) {
        auto* op = static_cast<ReceiveOp*>(base);
        ptr p = {std::addressof(op->handler_), op, op};
        net::detail::handler_work<Handler, IoExecutor> work(std::move(op->work_));
        // The handler moves out before the operation's memory is freed: it
        // may own that memory (a recycled allocation).
        net::detail::binder2<Handler, boost::system::error_code, std::size_t> bound(op->handler_, op->ec_,
                                                                                    op->bytes_transferred_);
        p.h = std::addressof(bound.handler_);
        p.reset();
        if (owner) work.complete(bound, bound.handler_);
    }

    net::detail::socket_type socket_;
    net::mutable_buffer buffer_;
    Handler handler_;
    net::detail::handler_work<Handler, IoExecutor> work_;
};

}  // namespace drain_aware_detail
#endif

template <class Protocol, class Executor, class Buffers, class Handler>
void async_read_drain_aware(boost::asio::basic_stream_socket<Protocol, Executor>& socket, const Buffers& buffers,
                            Handler&& handler) {
#if ISAPI_HOST_DRAIN_AWARE_READ
    namespace net = boost::asio;
    using Socket = net::basic_stream_socket<Protocol, Executor>;
    using Op = drain_aware_detail::ReceiveOp<std::decay_t<Handler>, Executor>;
    if constexpr (std::is_convertible_v<const Buffers&, net::mutable_buffer>) {
        const net::mutable_buffer buffer(buffers);
        auto& impl = drain_aware_detail::SocketAccess<Socket>::implementation(socket);
        const bool usable = buffer.size() > 0 && socket.is_open() &&
                            (impl.state_ & net::detail::socket_ops::non_blocking) != 0 &&
                            !net::get_associated_cancellation_slot(handler).is_connected();
        if (usable) {
            std::decay_t<Handler> local(std::forward<Handler>(handler));
            const bool continuation = boost_asio_handler_cont_helpers::is_continuation(local);
            typename Op::ptr p = {std::addressof(local), Op::ptr::allocate(local), nullptr};
            p.p = new (p.v) Op(impl.socket_, buffer, local, socket.get_executor());
            auto& reactor = net::use_service<net::detail::reactor>(
                net::query(socket.get_executor(), net::execution::context));
            reactor.start_op(net::detail::reactor::read_op, impl.socket_, impl.reactor_data_, p.p, continuation,
                             true);
            p.v = p.p = nullptr;
            return;
        }
    }
#endif
    socket.async_read_some(buffers, std::forward<Handler>(handler));
}

}  // namespace isapi::host
