#include "blocking_transport.hpp"

#include "batch_end.hpp"
#include "io_runner.hpp"
#include "pool/work_pool.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>

#include <future>
#include <utility>
#include <vector>

namespace isapi::host {

namespace net = boost::asio;
using error_code = boost::system::error_code;

bool BlockingTransport::send(std::span<const std::string_view> pieces) {
    if (!socket_.connected()) return false;
    socket_.set_response_started();
    if (socket_.tls()) return write_all({}, pieces);
    std::string earlier;
    {
        std::lock_guard lock(cork_mutex_);
        std::size_t size = corked_.size();
        for (auto piece : pieces) size += piece.size();
        // Small responses only: a large one gains nothing from waiting.
        if (size <= kCorkLimit && IoRunner::in_inline_call()) {
            const bool first = corked_.empty();
            for (auto piece : pieces) corked_.append(piece);
            if (first) {
                BatchEnd::defer(socket_.tcp().get_executor(), [self = socket_.hold(this)] { self->flush_corked(); });
                if (auto* tracker = socket_.tracker()) tracker->bytes_pending(true);
            }
            return true;
        }
        earlier.swap(corked_);
    }
    const bool written = write_all(earlier, pieces);
    if (!earlier.empty()) corked_written();
    return written;
}

void BlockingTransport::corked_written() {
    if (auto* tracker = socket_.tracker()) tracker->bytes_pending(false);
}

std::string BlockingTransport::take_corked() {
    std::lock_guard lock(cork_mutex_);
    return std::exchange(corked_, {});
}

void BlockingTransport::flush_corked() {
    std::lock_guard lock(cork_mutex_);
    if (corked_.empty()) return;
    error_code ec;
    const std::size_t n = socket_.connected() ? socket_.tcp().write_some(net::buffer(corked_), ec) : 0;
    if (!socket_.connected() || (ec && ec != net::error::would_block && ec != net::error::try_again)) {
        socket_.set_disconnected();
        corked_.clear();
        return;
    }
    corked_.erase(0, n);
    if (corked_.empty()) return corked_written();
    // Rare (the client stopped reading): flush again once the socket drains.
    // Until then corked_ stays non-empty, so any other writer goes after it.
    socket_.tcp().async_wait(net::socket_base::wait_write, [self = socket_.hold(this)](error_code wait_ec) {
        if (!wait_ec) return self->flush_corked();
        std::lock_guard relock(self->cork_mutex_);
        self->socket_.set_disconnected();
        self->corked_.clear();
    });
}

bool BlockingTransport::write_all(std::string_view earlier, std::span<const std::string_view> pieces) {
    if (socket_.tls()) {
        std::string bytes(earlier);
        for (auto piece : pieces) bytes.append(piece);
        return bytes.empty() || send_sealed(std::move(bytes));
    }
    std::vector<net::const_buffer> buffers;
    buffers.reserve(pieces.size() + 1);
    if (!earlier.empty()) buffers.emplace_back(earlier.data(), earlier.size());
    for (auto piece : pieces)
        if (!piece.empty()) buffers.emplace_back(piece.data(), piece.size());
    boost::beast::buffers_suffix<std::vector<net::const_buffer>> rest(buffers);
    while (net::buffer_size(rest) > 0) {
        error_code ec;
        const std::size_t n = socket_.tcp().write_some(rest, ec);
        if (ec == net::error::would_block || ec == net::error::try_again) {
            std::vector<net::const_buffer> remaining(rest.begin(), rest.end());
            return write_blocking_on_strand(remaining);
        }
        if (ec) {
            socket_.set_disconnected();
            return false;
        }
        rest.consume(n);
    }
    return true;
}

bool BlockingTransport::send_sealed(std::string bytes) {
    if (IoRunner::in_inline_call() && bytes.size() <= kCorkLimit) {
        queued_.send(std::move(bytes), {});
        return true;
    }
    IoRunner::before_blocking();  // the strand may need this very thread
    WorkPool::NetworkWait waiting_for_client;
    auto done = std::make_shared<std::promise<bool>>();  // as in write_blocking_on_strand
    auto result = done->get_future();
    queued_.send(std::move(bytes), [done](bool ok) { done->set_value(ok); });
    return result.get();
}

bool BlockingTransport::write_blocking_on_strand(std::span<const net::const_buffer> buffers) {
    IoRunner::before_blocking();  // the strand may need this very thread
    WorkPool::NetworkWait waiting_for_client;
    // Shared with the handler: this thread may return (and would destroy a
    // promise of its own) while set_value is still running on the strand.
    auto done = std::make_shared<std::promise<bool>>();
    auto result = done->get_future();
    net::post(socket_.strand(), [&, done, self = socket_.hold(this)] {
        socket_.arm(socket_.limits().write_timeout);
        net::async_write(socket_.tcp(), buffers, [done, self](error_code ec, std::size_t) {
            self->socket_.disarm();
            if (ec) self->socket_.set_disconnected();
            done->set_value(!ec);
        });
    });
    return result.get();
}

std::optional<std::size_t> BlockingTransport::receive(std::span<char> buffer) {
    IoRunner::before_blocking();  // the strand may need this very thread
    WorkPool::NetworkWait waiting_for_client;
    auto done = std::make_shared<std::promise<std::optional<std::size_t>>>();  // as in write_blocking_on_strand
    auto result = done->get_future();
    net::post(socket_.strand(), [&, done, self = socket_.hold(this)] {
        // Setting the value must come last: the waiting pool thread owns the
        // connection again the moment it wakes.
        body_.read_body(buffer, [done](std::optional<std::size_t> got) { done->set_value(got); });
    });
    return result.get();
}

}  // namespace isapi::host
