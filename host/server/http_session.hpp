#pragma once
// One client connection of the front end, and the reader of its requests. It
// owns the connection (its SessionSocket and both transports) and is the
// ClientConnection the dispatcher gets. It reads each request's header,
// applies the limits and refusals, preloads up to 48 KiB of the body, hands
// the request to the Dispatcher, and, once the response is finished, reads
// the next request on the same connection (keep-alive, including requests
// already pipelined into its buffer). While a request runs, its bytes go
// through BlockingTransport (extension code in process) or RelayTransport (a
// worker's frames). Which thread may touch the connection, and when:
// docs/architecture.md, "Threading model".
#include "blocking_transport.hpp"
#include "body_reader.hpp"
#include "client_connection.hpp"
#include "dispatcher.hpp"
#include "limits.hpp"
#include "relay_transport.hpp"
#include "request_parser.hpp"
#include "session_socket.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace isapi::host {

class HttpSession final : public ClientConnection,
                          private BodyReader,
                          public std::enable_shared_from_this<HttpSession> {
public:
    // With `tls`, the client speaks TLS: the handshake comes first.
    HttpSession(boost::asio::ip::tcp::socket socket, const ServerLimits& limits, Dispatcher& dispatcher,
                TlsContext* tls = nullptr);
    // A connection that another process accepted and keeps a copy of, or
    // one the front end passes on once kept alive (--handoff): `tracker`
    // hears its state and its end, and `preread` is what an earlier reader
    // took from it past its last request.
    HttpSession(boost::asio::ip::tcp::socket socket, const ServerLimits& limits, Dispatcher& dispatcher,
                std::unique_ptr<SessionTracker> tracker, std::string_view preread);
    void start();

    // Gives the connection up at the next point between requests (now, if
    // it is waiting for one): the tracker hears handed_back(). Any thread.
    void hand_back();
    // Gives the connection up as soon as a response leaves it open for the
    // next request (the front end's --handoff: its first request is
    // relayed, the rest go to the worker). Before start(), with a tracker.
    void hand_back_when_kept_alive() { hand_back_when_kept_alive_ = true; }

    // ecb::Transport: the in-process path (BlockingTransport).
    bool send(std::span<const std::string_view> pieces) override { return blocking_.send(pieces); }
    std::optional<std::size_t> receive(std::span<char> buffer) override;
    bool connected() const override { return socket_.connected(); }
    void finish(bool keep_alive, bool abortive) override;

    // The worker-process path (RelayTransport).
    void send_async(std::string bytes, std::function<void(bool ok)> written) override {
        relay_.send(std::move(bytes), std::move(written));
    }
    void receive_async(std::size_t max, std::function<void(std::optional<std::string>)> received) override {
        relay_.receive(max, std::move(received));
    }
    void finish_async(bool keep_alive, bool abortive) override { relay_.finish(keep_alive, abortive); }
    void notify_when_gone(std::function<void()> gone) override { relay_.notify_when_gone(std::move(gone)); }
    bool response_started() const override { return socket_.response_started(); }

private:
    using error_code = boost::system::error_code;
    using Parser = BoundedRequestParser<boost::beast::http::buffer_body>;
    using Clock = SessionSocket::Clock;

    void do_read();
    void on_read_header(error_code ec);
    // Sends "100 Continue", then reads the body's first part.
    void continue_then_preload();
    void do_preload();
    void on_preload(error_code ec);
    void dispatch_request();
    void release_to_tracker();  // hand_back()'s end, on the thread that reads
    void cancel_idle_read();    // for hand_back(): ends a read that has nothing of a request yet
    ecb::Request make_request() const;
    void reply_and_close(unsigned status, std::string_view message);
    // A body read failed: the client gets the status when no response has
    // started (on the strand).
    void refuse_body(error_code ec);
    // BodyReader, for both transports (on the strand).
    void read_body(std::span<char> buffer, Done done) override;
    // Arms the deadline for a body read: the request timeout, or less if the
    // body is behind the minimum rate (limits_.min_body_bytes_per_second).
    void arm_body_timer();
    void count_body_progress(std::size_t bytes);

    SessionSocket socket_;
    const ServerLimits& limits_;
    Dispatcher& dispatcher_;
    RelayTransport relay_{socket_, *this, *this};
    BlockingTransport blocking_{socket_, *this, relay_};

    boost::beast::flat_buffer buffer_;
    std::optional<Parser> parser_;
    std::string preload_;
    std::size_t preloaded_ = 0;
    // The minimum body rate counts only the time a body read waits.
    std::uint64_t body_bytes_ = 0;
    Clock::duration body_wait_{};
    Clock::time_point body_read_started_{};
    bool replying_ = false;  // a canned answer is on its way: nothing else closes
    std::optional<ecb::TlsInfo> tls_info_;  // what the TLS handshake settled, for every request
    std::unique_ptr<SessionTracker> tracker_;
    std::atomic<bool> hand_back_{false};         // hand_back() was asked for
    bool hand_back_when_kept_alive_ = false;
    std::atomic<bool> awaiting_request_{false};  // a read for the next request's header is under way
    // While that read began with nothing of the request in hand: the count
    // of bytes read then (SessionSocket::bytes_read). If the count has moved
    // on, part of a header was read, maybe parsed already: a hand-back must
    // not cut in, since the bytes it would give back are no longer all in
    // buffer_. kNotIdle otherwise.
    static constexpr std::uint64_t kNotIdle = ~std::uint64_t{0};
    std::atomic<std::uint64_t> idle_since_bytes_{kNotIdle};
    std::string local_addr_, remote_addr_;
    std::uint16_t local_port_ = 0, remote_port_ = 0;
};

}  // namespace isapi::host
