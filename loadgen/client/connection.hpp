#pragma once
// One keep-alive HTTP/1.1 client connection, driven by its worker thread's
// io_context (never shared between threads, so it needs no strand or lock).
// It runs one request at a time: connect if needed -> write -> read until the
// response is complete -> report to the owner. Every request it starts ends in
// exactly one call to ConnectionOwner::on_finished, whatever happens; a
// request past its deadline is aborted by the owner through expire().
//
// With a TlsContext (an https:// target), connecting also makes the TLS
// handshake, on an ssl::stream over the same TCP socket, made afresh for each
// TCP connection; the session of the last one is offered again on the next
// (resumption). Without one (http://), the socket is used as it is: the only
// cost TLS adds to plain HTTP is a test of an empty std::optional per write
// and read.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#ifdef ISAPI_LOADGEN_TLS
#include <boost/asio/ssl/stream.hpp>
#endif

#include "response_parser.hpp"
#include "request_template.hpp"
#include "tls.hpp"
#include "../models/pacer.hpp"
#include "../stats/request_record.hpp"

namespace isapi::loadgen {

class Connection;

// What a connection needs from the thread that owns it.
class ConnectionOwner {
public:
    // `r` has its times, status and bytes filled in; `r.cls` is a transport
    // class when no response arrived, or ok when one did (the owner classifies
    // the status). `build` is valid only during the call.
    virtual void on_finished(Connection& c, RequestRecord& r, std::string_view build) = 0;
    virtual std::uint32_t next_connection_id() = 0;
    virtual std::int64_t now_ns() const = 0;

protected:
    ~ConnectionOwner() = default;
};

class Connection {
public:
    // `tls` (null for http://) and `tally` outlive the connection; the tally
    // belongs to the connection's thread.
    Connection(boost::asio::io_context& io, ConnectionOwner& owner, const boost::asio::ip::tcp::endpoint& endpoint,
               std::uint16_t thread, TlsContext* tls = nullptr, TlsTally* tally = nullptr);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Starts a request; the connection must not be busy.
    void start(const Job& job, const RequestTemplate& request, std::int64_t deadline_ns);
    bool busy() const noexcept { return busy_; }
    std::int64_t deadline_ns() const noexcept { return deadline_ns_; }
    // Aborts the request in flight; it will finish in the class `timeout`.
    void expire();
    // Closes the socket; for the end of the run, when nothing is in flight.
    void close();

private:
    void do_connect();
    void on_connect(const boost::system::error_code& ec);
    void on_handshake(const boost::system::error_code& ec);
    void do_write();
    void on_write(const boost::system::error_code& ec);
    void do_read();
    void on_read(const boost::system::error_code& ec, std::size_t n);
    void on_response();
    enum class Phase { connect, handshake, exchange };
    void fail(const boost::system::error_code& ec, Phase phase);
    void finish(ErrorClass cls, std::string_view build);

    boost::asio::ip::tcp::socket socket_;
#ifdef ISAPI_LOADGEN_TLS
    // The TLS layer over socket_ (which it refers to, not owns), while a TLS
    // connection is open; empty for http:// targets.
    std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
    SSL_SESSION* session_ = nullptr;  // the last connection's session, offered on the next handshake
    bool handshaken_ = false;         // tls_ completed its handshake
#endif
    TlsContext* tls_context_;
    TlsTally* tally_;
    ConnectionOwner& owner_;
    boost::asio::ip::tcp::endpoint endpoint_;
    boost::beast::flat_buffer buffer_;
    std::optional<ResponseParser> parser_;
    std::string build_;  // storage for the parser, reused across responses
    const RequestTemplate* request_ = nullptr;
    RequestRecord record_;
    std::int64_t deadline_ns_ = 0;
    std::uint16_t thread_;
    bool connected_ = false;
    bool reused_ = false;     // this request went out on a connection that had answered before
    bool busy_ = false;
    bool timed_out_ = false;
};

}  // namespace isapi::loadgen
