#include "http_session.hpp"

#include "batch_end.hpp"
#include "canned_response.hpp"
#include "io_runner.hpp"
#include "request_checks.hpp"
#include "pool/work_pool.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <future>
#include <vector>

namespace isapi::host {

namespace net = boost::asio;
namespace http = boost::beast::http;

HttpSession::HttpSession(net::ip::tcp::socket socket, const ServerLimits& limits, Dispatcher& dispatcher)
    : strand_(net::make_strand(socket.get_executor())),
      socket_(std::move(socket)),
      timer_(strand_),
      limits_(limits),
      dispatcher_(dispatcher),
      buffer_(request_read_buffer_limit(limits.max_header_bytes)) {
    error_code ec;
    const auto local = socket_.local_endpoint(ec);
    const auto remote = socket_.remote_endpoint(ec);
    local_addr_ = local.address().to_string();
    local_port_ = local.port();
    remote_addr_ = remote.address().to_string();
    remote_port_ = remote.port();
    socket_.set_option(net::ip::tcp::no_delay(true), ec);
    // Sync writes from pool threads must never block inside the kernel: a
    // full send buffer falls back to an awaited async write with a timeout.
    socket_.non_blocking(true, ec);
}

void HttpSession::start() {
    net::dispatch(strand_, [self = shared_from_this()] {
        self->do_read();
        self->watch_deadline();
    });
}

// ---- read side: the strand, or the pool thread that just finished a request ----

void HttpSession::do_read() {
    ++request_number_;
    response_started_ = false;
    parser_.emplace(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser_->body_limit(limits_.max_body_bytes);
    preload_.clear();
    preloaded_ = 0;
    body_bytes_ = 0;
    body_wait_ = {};
    arm_timer(limits_.request_timeout);
    http::async_read_header(socket_, buffer_, *parser_,
                            [self = shared_from_this()](error_code ec, std::size_t) { self->on_read_header(ec); });
}

void HttpSession::on_read_header(error_code ec) {
    disarm_timer();
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset)
        return close(false);
    if (timed_out_) {
        // An idle keep-alive connection just goes; a half-sent request gets 408.
        if (buffer_.size() == 0 && !parser_->got_some()) return close(false);
        return reply_and_close(408, "the request was not received in time");
    }
    if (ec == net::error::operation_aborted || !socket_.is_open()) return close(false);
    // Beast checks a Content-Length against the body limit with the header.
    if (ec) {
        const auto pending = buffer_.data();
        const auto refusal =
            refusal_for_parse_error(ec, std::string_view(static_cast<const char*>(pending.data()), pending.size()));
        return reply_and_close(refusal.status, refusal.reason);
    }

    auto& header = parser_->get();
    if (const auto refusal = refusal_for_header(header, header.version()))
        return reply_and_close(refusal.status, refusal.reason);
    const auto length = parser_->content_length();
    if (length && *length > limits_.max_body_bytes) return reply_and_close(413, "request body is too large");
    if (parser_->is_done()) return dispatch_request();

    if (header[http::field::expect] == "100-continue") {
        static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
        const std::string bytes = take_corked().append(continue_line);
        error_code write_ec;
        net::write(socket_, net::buffer(bytes), write_ec);
        if (write_ec && write_ec != net::error::would_block) return close(false);
    }
    preload_.resize(length ? std::min<std::uint64_t>(*length, ecb::kReadAhead) : ecb::kReadAhead);
    do_preload();
}

void HttpSession::do_preload() {
    if (parser_->is_done() || preloaded_ == preload_.size()) {
        preload_.resize(preloaded_);
        return dispatch_request();
    }
    auto& body = parser_->get().body();
    body.data = preload_.data() + preloaded_;
    body.size = preload_.size() - preloaded_;
    body.more = true;
    arm_body_timer();
    http::async_read_some(socket_, buffer_, *parser_,
                          [self = shared_from_this()](error_code ec, std::size_t) { self->on_preload(ec); });
}

void HttpSession::on_preload(error_code ec) {
    disarm_timer();
    const std::size_t before = preloaded_;
    preloaded_ = preload_.size() - parser_->get().body().size;
    count_body_progress(preloaded_ - before);
    if (ec == http::error::need_buffer) ec = {};
    if (timed_out_) return reply_and_close(408, "the request body was not received in time");
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset)
        return close(false);
    if (ec) return refuse_body(ec);
    do_preload();
}

void HttpSession::arm_body_timer() {
    body_read_started_ = Clock::now();
    auto allowed = std::chrono::duration_cast<Clock::duration>(limits_.request_timeout);
    if (const auto rate = limits_.min_body_bytes_per_second; rate != 0) {
        // What the bytes so far have earned, plus a grace period, less the
        // time already spent waiting for them.
        const auto grace = std::min<Clock::duration>(allowed, std::chrono::seconds(5));
        const auto earned = std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(static_cast<double>(body_bytes_) / rate));
        allowed = std::clamp<Clock::duration>(grace + earned - body_wait_, Clock::duration::zero(), allowed);
    }
    timed_out_ = false;
    deadline_ = (body_read_started_ + allowed).time_since_epoch().count();
}

void HttpSession::count_body_progress(std::size_t bytes) {
    body_wait_ += Clock::now() - body_read_started_;
    body_bytes_ += bytes;
}

void HttpSession::refuse_body(error_code ec) {
    if (timed_out_ && !response_started_) return reply_and_close(408, "the request body was not received in time");
    if (response_started_ || ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted)
        return close(false);
    const auto refusal = refusal_for_parse_error(ec);
    reply_and_close(refusal.status, refusal.reason);
}

ecb::Request HttpSession::make_request() const {
    const auto& header = parser_->get();
    ecb::Request r;
    r.method = std::string(header.method_string());
    r.unencoded_url = std::string(header.target());
    r.protocol = header.version() == 10 ? "HTTP/1.0" : "HTTP/1.1";
    r.keep_alive = header.keep_alive();
    r.headers.reserve(8);
    for (const auto& field : header) {
        r.headers.push_back({std::string(field.name_string()), std::string(field.value())});
        r.all_raw.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
    }
    if (!parser_->chunked()) r.content_length = parser_->content_length().value_or(0);
    r.local_addr = local_addr_;
    r.local_port = local_port_;
    r.remote_addr = remote_addr_;
    r.remote_port = remote_port_;
    const auto host = header[http::field::host];
    const auto colon = host.rfind(':');
    const bool has_port = colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos;
    r.server_name = host.empty() ? local_addr_ : std::string(has_port ? host.substr(0, colon) : host);
    return r;
}

void HttpSession::dispatch_request() {
    ecb::Request request = make_request();
    request.preloaded_body = std::move(preload_);
    if (!dispatcher_.submit(std::move(request), shared_from_this()))
        reply_and_close(503, "the request queue is full");
}

void HttpSession::reply_and_close(unsigned status, std::string_view message) {
    // The extension (if one runs) must not write after this answer.
    connected_ = false;
    response_started_ = true;
    replying_ = true;
    auto text = std::make_shared<std::string>(take_corked().append(canned_response(status, message, false)));
    arm_timer(limits_.write_timeout);
    net::async_write(socket_, net::buffer(*text), [self = shared_from_this(), text](error_code, std::size_t) {
        self->disarm_timer();
        self->close(false);
    });
}

void HttpSession::close(bool abortive) {
    connected_ = false;
    deadline_ = kNoDeadline;
    timer_.cancel();
    error_code ec;
    if (abortive) socket_.set_option(net::socket_base::linger(true, 0), ec);
    else socket_.shutdown(net::ip::tcp::socket::shutdown_send, ec);
    socket_.close(ec);
}

void HttpSession::arm_timer(std::chrono::milliseconds timeout) {
    timed_out_ = false;
    deadline_ = (Clock::now() + timeout).time_since_epoch().count();
}

void HttpSession::disarm_timer() { deadline_ = kNoDeadline; }

// Wakes at the current deadline (or every timeout period while there is
// none) and cancels the socket's operation once the deadline has passed.
void HttpSession::watch_deadline() {
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
    timer_.async_wait([self = shared_from_this()](error_code ec) {
        if (!ec) self->watch_deadline();
    });
}

// ---- Transport (pool threads) ---------------------------------------------------

bool HttpSession::send(std::span<const std::string_view> pieces) {
    if (!connected_) return false;
    response_started_ = true;
    std::string earlier;
    {
        std::lock_guard lock(cork_mutex_);
        std::size_t size = corked_.size();
        for (auto piece : pieces) size += piece.size();
        // Small responses only: a large one gains nothing from waiting.
        if (size <= kCorkLimit && IoRunner::in_inline_call()) {
            const bool first = corked_.empty();
            for (auto piece : pieces) corked_.append(piece);
            if (first) BatchEnd::defer(socket_.get_executor(), [self = shared_from_this()] { self->flush_corked(); });
            return true;
        }
        earlier.swap(corked_);
    }
    return write_all(earlier, pieces);
}

std::string HttpSession::take_corked() {
    std::lock_guard lock(cork_mutex_);
    return std::exchange(corked_, {});
}

void HttpSession::flush_corked() {
    std::lock_guard lock(cork_mutex_);
    if (corked_.empty()) return;
    error_code ec;
    const std::size_t n = connected_ ? socket_.write_some(net::buffer(corked_), ec) : 0;
    if (!connected_ || (ec && ec != net::error::would_block && ec != net::error::try_again)) {
        connected_ = false;
        corked_.clear();
        return;
    }
    corked_.erase(0, n);
    if (corked_.empty()) return;
    // Rare (the client stopped reading): flush again once the socket drains.
    // Until then corked_ stays non-empty, so any other writer goes after it.
    socket_.async_wait(net::socket_base::wait_write, [self = shared_from_this()](error_code wait_ec) {
        if (!wait_ec) return self->flush_corked();
        std::lock_guard relock(self->cork_mutex_);
        self->connected_ = false;
        self->corked_.clear();
    });
}

bool HttpSession::write_all(std::string_view earlier, std::span<const std::string_view> pieces) {
    std::vector<net::const_buffer> buffers;
    buffers.reserve(pieces.size() + 1);
    if (!earlier.empty()) buffers.emplace_back(earlier.data(), earlier.size());
    for (auto piece : pieces)
        if (!piece.empty()) buffers.emplace_back(piece.data(), piece.size());
    boost::beast::buffers_suffix<std::vector<net::const_buffer>> rest(buffers);
    while (net::buffer_size(rest) > 0) {
        error_code ec;
        const std::size_t n = socket_.write_some(rest, ec);
        if (ec == net::error::would_block || ec == net::error::try_again) {
            std::vector<net::const_buffer> remaining(rest.begin(), rest.end());
            return write_blocking_on_strand(remaining);
        }
        if (ec) {
            connected_ = false;
            return false;
        }
        rest.consume(n);
    }
    return true;
}

bool HttpSession::write_blocking_on_strand(std::span<const net::const_buffer> buffers) {
    IoRunner::before_blocking();  // the strand may need this very thread
    WorkPool::NetworkWait waiting_for_client;
    std::promise<bool> done;
    auto result = done.get_future();
    net::post(strand_, [&, self = shared_from_this()] {
        arm_timer(limits_.write_timeout);
        net::async_write(socket_, buffers, [&, self](error_code ec, std::size_t) {
            disarm_timer();
            if (ec) connected_ = false;
            done.set_value(!ec);
        });
    });
    return result.get();
}

std::optional<std::size_t> HttpSession::receive(std::span<char> buffer) {
    if (buffer.empty()) return 0;
    // No strand round trip to learn that the body has ended. The parser is
    // ours to read: nothing on the strand touches it during a request.
    if (parser_ && parser_->is_done()) return 0;
    IoRunner::before_blocking();  // the strand may need this very thread
    WorkPool::NetworkWait waiting_for_client;
    std::promise<std::optional<std::size_t>> done;
    auto result = done.get_future();
    net::post(strand_, [&, self = shared_from_this()] {
        // Setting the value must come last: the waiting pool thread owns the
        // session again the moment it wakes.
        read_body(buffer, [&](std::optional<std::size_t> got) { done.set_value(got); });
    });
    return result.get();
}

void HttpSession::read_body(std::span<char> buffer, std::function<void(std::optional<std::size_t>)> done) {
    if (!parser_ || parser_->is_done() || !connected_)
        return done(parser_ && parser_->is_done() ? std::optional<std::size_t>(0) : std::nullopt);
    auto& body = parser_->get().body();
    body.data = buffer.data();
    body.size = buffer.size();
    body.more = true;
    arm_body_timer();
    http::async_read_some(socket_, buffer_, *parser_,
                          net::bind_executor(strand_, [self = shared_from_this(), buffer, done = std::move(done)](
                                                          error_code ec, std::size_t) mutable {
                              self->disarm_timer();
                              const std::size_t got = buffer.size() - self->parser_->get().body().size;
                              self->count_body_progress(got);
                              if (ec == http::error::need_buffer) ec = {};
                              // A read may consume only chunk framing: read on until
                              // a body byte arrives or the body ends.
                              if (!ec && got == 0 && !self->parser_->is_done())
                                  return self->read_body(buffer, std::move(done));
                              if (ec) {
                                  self->refuse_body(ec);
                                  return done(std::nullopt);
                              }
                              done(got);
                          }));
}

bool HttpSession::connected() const { return connected_; }

void HttpSession::notify_when_gone(std::function<void()> gone) {
    net::dispatch(strand_, [self = shared_from_this(), gone = std::move(gone), request = request_number_.load()]() mutable {
        self->watch_for_close(std::move(gone), request);
    });
}

// Waits until the socket is readable, then peeks: end of stream or an error
// means the client left. Bytes mean it is still sending (its body, or the
// next request): it is alive, and the watch ends, since telling a later
// close from those bytes would mean reading them here.
void HttpSession::watch_for_close(std::function<void()> gone, std::uint64_t request) {
    if (request != request_number_ || !connected_) return;
    socket_.async_wait(net::socket_base::wait_read,
                       net::bind_executor(strand_, [self = shared_from_this(), gone = std::move(gone),
                                                    request](error_code ec) mutable {
                           if (request != self->request_number_ || !self->connected_) return;  // it ended
                           if (ec == net::error::operation_aborted) return;
                           char byte;
                           error_code peek_ec;
                           const std::size_t n =
                               ec ? 0 : self->socket_.receive(net::buffer(&byte, 1), net::socket_base::message_peek, peek_ec);
                           if (!ec && (peek_ec == net::error::would_block || peek_ec == net::error::try_again))
                               return self->watch_for_close(std::move(gone), request);
                           if (ec || peek_ec || n == 0) gone();
                       }));
}

// ---- relay path (the worker-process front end, on its I/O thread) ----------------

void HttpSession::send_async(std::string bytes, std::function<void(bool)> written) {
    response_started_ = true;
    net::dispatch(strand_, [self = shared_from_this(), bytes = std::move(bytes), written = std::move(written)]() mutable {
        if (!self->connected_) {
            if (written) written(false);
            return;
        }
        if (!self->async_writing_) {
            // The cheap path: the kernel takes it all now.
            error_code ec;
            const std::size_t n = self->socket_.write_some(net::buffer(bytes), ec);
            if (ec && ec != net::error::would_block && ec != net::error::try_again) {
                self->connected_ = false;
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

void HttpSession::write_queued() {
    if (queued_writes_.empty()) {
        async_writing_ = false;
        if (auto finish_now = std::exchange(finish_after_writes_, std::nullopt))
            finish(finish_now->first, finish_now->second);
        return;
    }
    async_writing_ = true;
    arm_timer(limits_.write_timeout);
    net::async_write(socket_, net::buffer(queued_writes_.front().bytes),
                     net::bind_executor(strand_, [self = shared_from_this()](error_code ec, std::size_t) {
                         self->disarm_timer();
                         auto done = std::move(self->queued_writes_.front().written);
                         self->queued_writes_.pop_front();
                         if (ec) {
                             self->connected_ = false;
                             for (auto& w : self->queued_writes_)
                                 if (w.written) w.written(false);
                             self->queued_writes_.clear();
                         }
                         if (done) done(!ec);
                         self->write_queued();
                     }));
}

void HttpSession::receive_async(std::size_t max, std::function<void(std::optional<std::string>)> received) {
    net::dispatch(strand_, [self = shared_from_this(), max, received = std::move(received)]() mutable {
        auto bytes = std::make_shared<std::string>(max, '\0');
        self->read_body(*bytes, [bytes, received = std::move(received)](std::optional<std::size_t> got) {
            if (!got) return received(std::nullopt);
            bytes->resize(*got);
            received(std::move(*bytes));
        });
    });
}

void HttpSession::finish_async(bool keep_alive, bool abortive) {
    net::dispatch(strand_, [self = shared_from_this(), keep_alive, abortive] {
        if (self->async_writing_) self->finish_after_writes_ = {keep_alive, abortive};
        else self->finish(keep_alive, abortive);
    });
}

void HttpSession::finish(bool keep_alive, bool abortive) {
    // Nothing runs on the strand for this connection now, so the next read
    // can start right here, saving a hop back to the I/O thread.
    if (keep_alive && connected_ && parser_->is_done()) return do_read();
    // The response goes out before the close.
    if (const std::string earlier = take_corked(); !earlier.empty() && !abortive && connected_)
        write_all(earlier, {});
    net::post(strand_, [self = shared_from_this(), abortive] {
        if (!self->replying_) self->close(abortive);
    });
}

}  // namespace isapi::host
