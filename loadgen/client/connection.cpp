#include "connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

#ifdef ISAPI_LOADGEN_TLS
#include <boost/asio/ssl/error.hpp>
#include <openssl/ssl.h>

#include "tls_context.hpp"
#endif

namespace isapi::loadgen {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::uint32_t kHeaderLimit = 64 * 1024;

// The end of the stream, as either transport says it: a TCP FIN, or a TLS
// connection closed without its close_notify (OpenSSL's "stream truncated").
bool is_eof(const error_code& ec) {
#ifdef ISAPI_LOADGEN_TLS
    if (ec == asio::ssl::error::stream_truncated) return true;
#endif
    return ec == asio::error::eof;
}
}  // namespace

Connection::Connection(asio::io_context& io, ConnectionOwner& owner, const asio::ip::tcp::endpoint& endpoint,
                       std::uint16_t thread, TlsContext* tls, TlsTally* tally)
    : socket_(io), tls_context_(tls), tally_(tally), owner_(owner), endpoint_(endpoint), thread_(thread) {}

Connection::~Connection() {
#ifdef ISAPI_LOADGEN_TLS
    tls_.reset();
    if (session_) SSL_SESSION_free(session_);
#endif
}

void Connection::start(const Job& job, const RequestTemplate& request, std::int64_t deadline_ns) {
    busy_ = true;
    timed_out_ = false;
    request_ = &request;
    deadline_ns_ = deadline_ns;
    record_ = RequestRecord{};
    record_.intended_ns = job.intended_ns;
    record_.thread = thread_;
    record_.request = static_cast<std::uint32_t>(job.request);
    parser_.emplace(build_);
    parser_->eager(true);
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(boost::none);
    parser_->skip(request.head);
    buffer_.clear();
    if (connected_) do_write();
    else do_connect();
}

void Connection::do_connect() {
    reused_ = false;
    record_.connection = owner_.next_connection_id();
    socket_.async_connect(endpoint_, [this](const error_code& ec) { on_connect(ec); });
}

void Connection::on_connect(const error_code& ec) {
    if (ec) return fail(ec, Phase::connect);
    error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
#ifdef ISAPI_LOADGEN_TLS
    if (tls_context_) {
        // The handshake is part of connecting: the request's sent time is
        // taken after it, as after the TCP connect.
        tls_.emplace(socket_, tls_context_->ssl);
        handshaken_ = false;
        SSL* ssl = tls_->native_handle();
        if (tls_context_->sni) SSL_set_tlsext_host_name(ssl, tls_context_->host.c_str());
        if (session_) SSL_set_session(ssl, session_);
        tls_->async_handshake(asio::ssl::stream_base::client, [this](const error_code& e) { on_handshake(e); });
        return;
    }
#endif
    connected_ = true;
    do_write();
}

void Connection::on_handshake(const error_code& ec) {
#ifdef ISAPI_LOADGEN_TLS
    if (ec) return fail(ec, Phase::handshake);
    handshaken_ = true;
    connected_ = true;
    SSL* ssl = tls_->native_handle();
    if (tally_) {
        ++tally_->handshakes;
        if (SSL_session_reused(ssl)) ++tally_->resumed;
        if (tally_->protocol.empty()) {
            tally_->protocol = SSL_get_version(ssl);
            if (const char* cipher = SSL_get_cipher_name(ssl)) tally_->cipher = cipher;
        }
    }
    do_write();
#else
    (void)ec;
#endif
}

void Connection::do_write() {
    record_.sent_ns = owner_.now_ns();
    auto on_written = [this](const error_code& ec, std::size_t) { on_write(ec); };
#ifdef ISAPI_LOADGEN_TLS
    if (tls_) return asio::async_write(*tls_, asio::buffer(request_->bytes), std::move(on_written));
#endif
    asio::async_write(socket_, asio::buffer(request_->bytes), std::move(on_written));
}

void Connection::on_write(const error_code& ec) {
    if (ec) return fail(ec, Phase::exchange);
    do_read();
}

void Connection::do_read() {
    auto on_read_some = [this](const error_code& ec, std::size_t n) { on_read(ec, n); };
#ifdef ISAPI_LOADGEN_TLS
    if (tls_) return tls_->async_read_some(buffer_.prepare(kReadChunk), std::move(on_read_some));
#endif
    socket_.async_read_some(buffer_.prepare(kReadChunk), std::move(on_read_some));
}

void Connection::on_read(const error_code& ec, std::size_t n) {
    if (ec) return fail(ec, Phase::exchange);
    if (record_.first_byte_ns < 0) record_.first_byte_ns = owner_.now_ns();
    record_.bytes += n;
    buffer_.commit(n);
    while (buffer_.size() > 0 && !parser_->is_done()) {
        error_code parse_ec;
        const std::size_t used = parser_->put(buffer_.data(), parse_ec);
        buffer_.consume(used);
        if (parse_ec == http::error::need_more) break;
        if (parse_ec) return finish(ErrorClass::io_error, {});
        if (used == 0) break;
    }
    if (parser_->is_done()) return on_response();
    do_read();
}

void Connection::on_response() {
    record_.status = static_cast<std::uint16_t>(parser_->status());
    // A client that sent Connection: close sends nothing more on that
    // connection (RFC 9112 9.6), even if the response does not say close.
    if (!parser_->keep_alive() || request_->close) close();
    else reused_ = true;
    // Bytes past the end of the response cannot belong to a request not sent yet.
    buffer_.clear();
    finish(ErrorClass::ok, build_);
}

void Connection::fail(const error_code& ec, Phase phase) {
    const bool nothing_arrived = record_.bytes == 0;
    ErrorClass cls = ErrorClass::io_error;
    if (timed_out_) {
        cls = ErrorClass::timeout;
    } else if (phase == Phase::connect) {
        cls = ec == asio::error::connection_refused ? ErrorClass::refused : ErrorClass::io_error;
    } else if (phase == Phase::handshake) {
        // A connection lost during the handshake is booked as any lost
        // connection; the rest (a certificate not trusted or not for this
        // host, no protocol or cipher in common) is the handshake's own.
        if (is_eof(ec)) cls = ErrorClass::eof;
        else if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe) cls = ErrorClass::reset;
        else cls = ErrorClass::tls;
#ifdef ISAPI_LOADGEN_TLS
        if (cls == ErrorClass::tls && tally_) {
            ++tally_->failed;
            if (tally_->first_error.empty())
                tally_->first_error = describe_handshake_failure(*tls_context_, tls_->native_handle(), ec);
        }
#endif
    } else if (is_eof(ec) && parser_->got_some() && parser_->need_eof()) {
        // A response delimited by the end of the connection: the close completes it.
        error_code eof_ec;
        parser_->put_eof(eof_ec);
        if (!eof_ec && parser_->is_done()) {
            close();
            return on_response();
        }
        cls = ErrorClass::eof;
    } else if (is_eof(ec) || ec == http::error::partial_message) {
        cls = reused_ && nothing_arrived ? ErrorClass::keepalive_race : ErrorClass::eof;
    } else if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
        cls = reused_ && nothing_arrived ? ErrorClass::keepalive_race : ErrorClass::reset;
    }
    close();
    finish(cls, {});
}

void Connection::finish(ErrorClass cls, std::string_view build) {
    if (cls != ErrorClass::ok) close();
    record_.cls = cls;
    record_.done_ns = owner_.now_ns();
    busy_ = false;
    owner_.on_finished(*this, record_, build);
}

void Connection::expire() {
    if (!busy_ || timed_out_) return;
    timed_out_ = true;
    error_code ignored;
    // The operation in flight (connect, handshake, write or read) ends with
    // operation_aborted; its handler books the timeout and drops the TLS layer.
    socket_.cancel(ignored);
    socket_.close(ignored);
    connected_ = false;
}

void Connection::close() {
#ifdef ISAPI_LOADGEN_TLS
    if (tls_) {
        if (handshaken_) {
            // Keep the session for the next handshake of this connection. No
            // close_notify is sent (a load generator closes as fast as it
            // can), so the connection is marked as shut down: OpenSSL would
            // otherwise take the session for a bad one and not resume it.
            SSL* ssl = tls_->native_handle();
            SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
            if (SSL_SESSION* session = SSL_get1_session(ssl)) {
                if (session_) SSL_SESSION_free(session_);
                session_ = session;
            }
        }
        tls_.reset();
        handshaken_ = false;
    }
#endif
    if (!socket_.is_open()) {
        connected_ = false;
        return;
    }
    error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    connected_ = false;
    reused_ = false;
}

}  // namespace isapi::loadgen
