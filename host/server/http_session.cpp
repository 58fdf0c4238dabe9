#include "http_session.hpp"

#include "canned_response.hpp"
#include "io_runner.hpp"
#include "request_checks.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>

namespace isapi::host {

namespace net = boost::asio;
namespace http = boost::beast::http;

HttpSession::HttpSession(net::ip::tcp::socket socket, const ServerLimits& limits, Dispatcher& dispatcher,
                         TlsContext* tls)
    : socket_(std::move(socket), limits, tls),
      limits_(limits),
      dispatcher_(dispatcher),
      buffer_(request_read_buffer_limit(limits.max_header_bytes)) {
    error_code ec;
    const auto local = socket_.tcp().local_endpoint(ec);
    const auto remote = socket_.tcp().remote_endpoint(ec);
    local_addr_ = local.address().to_string();
    local_port_ = local.port();
    remote_addr_ = remote.address().to_string();
    remote_port_ = remote.port();
}

HttpSession::HttpSession(net::ip::tcp::socket socket, const ServerLimits& limits, Dispatcher& dispatcher,
                         std::unique_ptr<SessionTracker> tracker, std::string_view preread)
    : HttpSession(std::move(socket), limits, dispatcher) {
    tracker_ = std::move(tracker);
    socket_.set_tracker(tracker_.get());
    if (!preread.empty()) {
        const std::size_t n = std::min(preread.size(), buffer_.max_size());
        net::buffer_copy(buffer_.prepare(n), net::buffer(preread.data(), n));
        buffer_.commit(n);
    }
}

void HttpSession::hand_back() {
    hand_back_ = true;
    // A read waiting for the next request ends now (operation_aborted); one
    // that completes first, or a request under way, sees the flag at the
    // next do_read. So does a header that has begun to arrive: the parser
    // may have taken its first lines out of buffer_, and the connection goes
    // back once that request is answered.
    net::post(socket_.strand(), [self = shared_from_this()] { self->cancel_idle_read(); });
}

void HttpSession::cancel_idle_read() {
    if (!awaiting_request_ || idle_since_bytes_.load(std::memory_order_acquire) != socket_.bytes_read()) return;
    error_code ignored;
    socket_.tcp().cancel(ignored);
}

void HttpSession::release_to_tracker() {
    // The last response may still be corked (an inline request ends before
    // its I/O batch does): it goes out before this copy of the socket closes.
    if (std::string corked = blocking_.take_corked(); !corked.empty()) {
        auto bytes = std::make_shared<std::string>(std::move(corked));
        socket_.arm(limits_.write_timeout);
        return net::async_write(socket_.tcp(), net::buffer(*bytes), [self = shared_from_this(), bytes](error_code ec, std::size_t) {
            self->socket_.disarm();
            if (ec) return self->socket_.close(false);
            self->blocking_.corked_written();
            self->release_to_tracker();
        });
    }
    const auto pending = buffer_.data();
    socket_.release(std::string(static_cast<const char*>(pending.data()), pending.size()));
}

void HttpSession::start() {
    socket_.set_owner(weak_from_this());
    net::dispatch(socket_.strand(), [self = shared_from_this()] {
        self->socket_.watch_deadline();
#if ISAPI_HOST_TLS
        if (self->socket_.tls())
            return self->socket_.handshake([self](std::optional<ecb::TlsInfo> info) {
                // A client that cannot agree on TLS (or speaks plain HTTP
                // here) gets nothing it could read: the connection closes.
                if (!info) return self->socket_.close(true);
                self->tls_info_ = std::move(info);
                self->do_read();
            });
#endif
        self->do_read();
    });
}

// ---- the strand, or the thread that just finished the previous request ----

void HttpSession::do_read() {
    if (hand_back_) return release_to_tracker();
    if (tracker_) tracker_->state(buffer_.size() == 0 ? SessionState::idle : SessionState::busy, socket_.bytes_read());
    socket_.begin_request();
    parser_.emplace(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser_->body_limit(limits_.max_body_bytes);
    preload_.clear();
    preloaded_ = 0;
    body_bytes_ = 0;
    body_wait_ = {};
    socket_.arm(limits_.request_timeout);
    idle_since_bytes_.store(buffer_.size() == 0 ? socket_.bytes_read() : kNotIdle, std::memory_order_release);
    awaiting_request_ = true;
    http::async_read_header(socket_.stream(), buffer_, *parser_, socket_.bind([self = shared_from_this()](
                                                                     error_code ec, std::size_t) { self->on_read_header(ec); }));
    // hand_back() may have looked before the read was under way.
    if (hand_back_) cancel_idle_read();
}

void HttpSession::on_read_header(error_code ec) {
    socket_.disarm();
    awaiting_request_ = false;
    idle_since_bytes_.store(kNotIdle, std::memory_order_relaxed);
    if (hand_back_ && ec == net::error::operation_aborted && !socket_.timed_out()) return release_to_tracker();
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset)
        return socket_.close(false);
    if (socket_.timed_out()) {
        // An idle keep-alive connection just goes; a half-sent request gets 408.
        if (buffer_.size() == 0 && !parser_->got_some()) return socket_.close(false);
        return reply_and_close(408, "the request was not received in time");
    }
    if (ec == net::error::operation_aborted || !socket_.tcp().is_open()) return socket_.close(false);
    // Beast checks a Content-Length against the body limit with the header.
    if (ec) {
        const auto pending = buffer_.data();
        const auto refusal =
            refusal_for_parse_error(ec, std::string_view(static_cast<const char*>(pending.data()), pending.size()));
        return reply_and_close(refusal.status, refusal.reason);
    }

    auto& header = parser_->get();
    if (tracker_) {
        tracker_->request(header.method_string(), header.target());
        tracker_->state(SessionState::busy, socket_.bytes_read());
    }
    if (const auto refusal = refusal_for_header(header, header.version()))
        return reply_and_close(refusal.status, refusal.reason);
    const auto length = parser_->content_length();
    if (length && *length > limits_.max_body_bytes) return reply_and_close(413, "request body is too large");
#if ISAPI_HOST_TLS
    // IIS answers 403.7 and 403.16 before the extension sees the request.
    if (tls_info_)
        if (const auto refusal = socket_.tls_context().refusal(*tls_info_); !refusal.empty())
            return reply_and_close(403, refusal);
#endif
    if (parser_->is_done()) return dispatch_request();
    preload_.resize(length ? std::min<std::uint64_t>(*length, ecb::kReadAhead) : ecb::kReadAhead);
    if (header[http::field::expect] == "100-continue") return continue_then_preload();
    do_preload();
}

void HttpSession::continue_then_preload() {
    static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
    if (socket_.tls()) {
        // One TLS state: the write goes through the strand like every other.
        auto bytes = std::make_shared<std::string>(continue_line);
        return net::async_write(socket_.stream(), net::buffer(*bytes),
                                socket_.bind([self = shared_from_this(), bytes](error_code ec, std::size_t) {
                                    if (ec) return self->socket_.close(false);
                                    self->do_preload();
                                }));
    }
    const std::string bytes = blocking_.take_corked().append(continue_line);
    error_code write_ec;
    net::write(socket_.tcp(), net::buffer(bytes), write_ec);
    if (write_ec && write_ec != net::error::would_block) return socket_.close(false);
    if (bytes.size() > continue_line.size()) blocking_.corked_written();
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
    http::async_read_some(socket_.stream(), buffer_, *parser_, socket_.bind([self = shared_from_this()](
                                                                   error_code ec, std::size_t) { self->on_preload(ec); }));
}

void HttpSession::on_preload(error_code ec) {
    socket_.disarm();
    const std::size_t before = preloaded_;
    preloaded_ = preload_.size() - parser_->get().body().size;
    count_body_progress(preloaded_ - before);
    if (ec == http::error::need_buffer) ec = {};
    if (socket_.timed_out()) return reply_and_close(408, "the request body was not received in time");
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset)
        return socket_.close(false);
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
    socket_.arm_until(body_read_started_ + allowed);
}

void HttpSession::count_body_progress(std::size_t bytes) {
    body_wait_ += Clock::now() - body_read_started_;
    body_bytes_ += bytes;
}

void HttpSession::refuse_body(error_code ec) {
    if (socket_.timed_out() && !socket_.response_started())
        return reply_and_close(408, "the request body was not received in time");
    if (socket_.response_started() || ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::connection_reset || ec == net::error::operation_aborted)
        return socket_.close(false);
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
    r.tls = tls_info_;
    return r;
}

void HttpSession::dispatch_request() {
    ecb::Request request = make_request();
    request.preloaded_body = std::move(preload_);
    if (socket_.tls()) {
        // Over TLS this runs on the strand, and an extension run inline
        // here would wait for its writes on the strand it holds: submit from
        // outside it.
        return net::post(socket_.tcp().get_executor(), [self = shared_from_this(), request = std::move(request)]() mutable {
            if (!self->dispatcher_.submit(std::move(request), self)) self->reply_and_close(503, "the request queue is full");
        });
    }
    if (!dispatcher_.submit(std::move(request), shared_from_this()))
        reply_and_close(503, "the request queue is full");
}

void HttpSession::reply_and_close(unsigned status, std::string_view message) {
    if (socket_.tls() && !socket_.strand().running_in_this_thread())
        return net::dispatch(socket_.strand(), [self = shared_from_this(), status, text = std::string(message)] {
            self->reply_and_close(status, text);
        });
    // The extension (if one runs) must not write after this answer.
    socket_.set_disconnected();
    socket_.set_response_started();
    replying_ = true;
    auto text = std::make_shared<std::string>(blocking_.take_corked().append(canned_response(status, message, false)));
    socket_.arm(limits_.write_timeout);
    net::async_write(socket_.stream(), net::buffer(*text),
                     socket_.bind([self = shared_from_this(), text](error_code, std::size_t) {
                         self->socket_.disarm();
                         self->socket_.close(false);
                     }));
}

// ---- the end of a request, and its body past the preloaded part -----------------

std::optional<std::size_t> HttpSession::receive(std::span<char> buffer) {
    if (buffer.empty()) return 0;
    // No strand round trip to learn that the body has ended. The parser is
    // ours to read: nothing on the strand touches it during a request.
    if (parser_ && parser_->is_done()) return 0;
    return blocking_.receive(buffer);
}

void HttpSession::read_body(std::span<char> buffer, Done done) {
    if (!parser_ || parser_->is_done() || !socket_.connected())
        return done(parser_ && parser_->is_done() ? std::optional<std::size_t>(0) : std::nullopt);
    auto& body = parser_->get().body();
    body.data = buffer.data();
    body.size = buffer.size();
    body.more = true;
    arm_body_timer();
    http::async_read_some(socket_.stream(), buffer_, *parser_,
                          net::bind_executor(socket_.strand(), [self = shared_from_this(), buffer,
                                                                done = std::move(done)](error_code ec, std::size_t) mutable {
                              self->socket_.disarm();
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

void HttpSession::finish(bool keep_alive, bool abortive) {
    // Over TLS the response's bytes may still be queued on the strand: end
    // there, once they are written (RelayTransport calls back here).
    if (socket_.tls() && !socket_.strand().running_in_this_thread()) return relay_.finish(keep_alive, abortive);
    if (keep_alive && socket_.connected() && parser_->is_done()) {
        if (hand_back_when_kept_alive_) hand_back_ = true;
        // The response is written (or corked, which the tracker counts as
        // responding): a worker that dies from here on leaves a connection
        // to pass on, not one to reset. The read, maybe after a hop, says so too.
        if (tracker_) tracker_->state(buffer_.size() == 0 ? SessionState::idle : SessionState::busy, socket_.bytes_read());
        // Nothing runs on the strand for this connection now, so an I/O
        // thread starts the next read right here, saving a hop. Any other
        // thread (a pool thread, an extension's own after DONE_WITH_SESSION)
        // hands it to the strand. Under Wine, a read started on a pool
        // thread sometimes completed empty, which reads as the client's
        // close: a keep-alive test lost its second response in 2 of about
        // 100 runs that way, and in 0 of 250 once the strand started it.
        if (IoRunner::in_inline_call() || socket_.strand().running_in_this_thread()) return do_read();
        return net::post(socket_.strand(), [self = shared_from_this()] { self->do_read(); });
    }
    // The response goes out before the close.
    if (const std::string earlier = blocking_.take_corked(); !earlier.empty() && !abortive && socket_.connected())
        blocking_.write_all(earlier, {});
    net::post(socket_.strand(), [self = shared_from_this(), abortive] {
        if (!self->replying_) self->socket_.close(abortive);
    });
}

}  // namespace isapi::host
