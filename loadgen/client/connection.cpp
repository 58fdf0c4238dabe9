#include "connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>

namespace isapi::loadgen {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
}  // namespace

Connection::Connection(asio::io_context& io, ConnectionOwner& owner, const asio::ip::tcp::endpoint& endpoint,
                       std::uint16_t thread)
    : socket_(io), owner_(owner), endpoint_(endpoint), thread_(thread) {}

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
    if (ec) return fail(ec, true);
    connected_ = true;
    error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    do_write();
}

void Connection::do_write() {
    record_.sent_ns = owner_.now_ns();
    asio::async_write(socket_, asio::buffer(request_->bytes),
                      [this](const error_code& ec, std::size_t) { on_write(ec); });
}

void Connection::on_write(const error_code& ec) {
    if (ec) return fail(ec, false);
    do_read();
}

void Connection::do_read() {
    socket_.async_read_some(buffer_.prepare(kReadChunk),
                            [this](const error_code& ec, std::size_t n) { on_read(ec, n); });
}

void Connection::on_read(const error_code& ec, std::size_t n) {
    if (ec) return fail(ec, false);
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
    if (!parser_->keep_alive()) close();
    else reused_ = true;
    // Bytes past the end of the response cannot belong to a request not sent yet.
    buffer_.clear();
    finish(ErrorClass::ok, build_);
}

void Connection::fail(const error_code& ec, bool connecting) {
    const bool nothing_arrived = record_.bytes == 0;
    ErrorClass cls = ErrorClass::io_error;
    if (timed_out_) {
        cls = ErrorClass::timeout;
    } else if (connecting) {
        cls = ec == asio::error::connection_refused ? ErrorClass::refused : ErrorClass::io_error;
    } else if (ec == asio::error::eof && parser_->got_some() && parser_->need_eof()) {
        // A response delimited by the end of the connection: the close completes it.
        error_code eof_ec;
        parser_->put_eof(eof_ec);
        if (!eof_ec && parser_->is_done()) {
            close();
            return on_response();
        }
        cls = ErrorClass::eof;
    } else if (ec == asio::error::eof || ec == http::error::partial_message) {
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
    socket_.cancel(ignored);
    socket_.close(ignored);
    connected_ = false;
}

void Connection::close() {
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
