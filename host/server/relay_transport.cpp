#include "relay_transport.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>

#include <memory>

namespace isapi::host {

namespace net = boost::asio;
using error_code = boost::system::error_code;

void RelayTransport::send(std::string bytes, std::function<void(bool)> written) {
    socket_.set_response_started();
    net::dispatch(socket_.strand(), [self = socket_.hold(this), bytes = std::move(bytes),
                                     written = std::move(written)]() mutable {
        if (!self->socket_.connected()) {
            if (written) written(false);
            return;
        }
        if (!self->async_writing_ && !self->socket_.tls()) {
            // The cheap path: the kernel takes it all now. (Over TLS the
            // bytes must be sealed first: they always go the async way.)
            error_code ec;
            const std::size_t n = self->socket_.tcp().write_some(net::buffer(bytes), ec);
            if (ec && ec != net::error::would_block && ec != net::error::try_again) {
                self->socket_.set_disconnected();
                if (written) written(false);
                return;
            }
            if (n == bytes.size()) {
                if (written) written(true);
                return;
            }
            bytes.erase(0, n);
        }
        self->queued_writes_.push_back({std::move(bytes), std::move(written)});
        if (!self->async_writing_) self->write_queued();
    });
}

void RelayTransport::write_queued() {
    if (queued_writes_.empty()) {
        async_writing_ = false;
        if (auto finish_now = std::exchange(finish_after_writes_, std::nullopt))
            connection_.finish(finish_now->first, finish_now->second);
        return;
    }
    async_writing_ = true;
    socket_.arm(socket_.limits().write_timeout);
    net::async_write(socket_.stream(), net::buffer(queued_writes_.front().bytes),
                     net::bind_executor(socket_.strand(), [self = socket_.hold(this)](error_code ec, std::size_t) {
                         self->socket_.disarm();
                         auto done = std::move(self->queued_writes_.front().written);
                         self->queued_writes_.pop_front();
                         if (ec) {
                             self->socket_.set_disconnected();
                             for (auto& w : self->queued_writes_)
                                 if (w.written) w.written(false);
                             self->queued_writes_.clear();
                         }
                         if (done) done(!ec);
                         self->write_queued();
                     }));
}

void RelayTransport::receive(std::size_t max, std::function<void(std::optional<std::string>)> received) {
    net::dispatch(socket_.strand(), [self = socket_.hold(this), max, received = std::move(received)]() mutable {
        auto bytes = std::make_shared<std::string>(max, '\0');
        self->body_.read_body(*bytes, [bytes, received = std::move(received)](std::optional<std::size_t> got) {
            if (!got) return received(std::nullopt);
            bytes->resize(*got);
            received(std::move(*bytes));
        });
    });
}

void RelayTransport::finish(bool keep_alive, bool abortive) {
    net::dispatch(socket_.strand(), [self = socket_.hold(this), keep_alive, abortive] {
        if (self->async_writing_) self->finish_after_writes_ = {keep_alive, abortive};
        else self->connection_.finish(keep_alive, abortive);
    });
}

void RelayTransport::notify_when_gone(std::function<void()> gone) {
    net::dispatch(socket_.strand(), [self = socket_.hold(this), gone = std::move(gone),
                                     request = socket_.request_number()]() mutable {
        self->watch_for_close(std::move(gone), request);
    });
}

// Waits until the socket is readable, then peeks: end of stream or an error
// means the client left. Bytes mean it is still sending (its body, or the
// next request): it is alive, and the watch ends, since telling a later
// close from those bytes would mean reading them here.
void RelayTransport::watch_for_close(std::function<void()> gone, std::uint64_t request) {
    if (request != socket_.request_number() || !socket_.connected()) return;
    socket_.tcp().async_wait(
        net::socket_base::wait_read,
        net::bind_executor(socket_.strand(), [self = socket_.hold(this), gone = std::move(gone),
                                              request](error_code ec) mutable {
            auto& socket = self->socket_;
            if (request != socket.request_number() || !socket.connected()) return;  // it ended
            if (ec == net::error::operation_aborted) return;
            char byte;
            error_code peek_ec;
            const std::size_t n =
                ec ? 0 : socket.tcp().receive(net::buffer(&byte, 1), net::socket_base::message_peek, peek_ec);
            if (!ec && (peek_ec == net::error::would_block || peek_ec == net::error::try_again))
                return self->watch_for_close(std::move(gone), request);
            if (ec || peek_ec || n == 0) gone();
        }));
}

}  // namespace isapi::host
