#pragma once
// One client connection of the front end: reads requests (with limits and
// timeouts), preloads up to 48 KiB of each body, hands the request to the
// Dispatcher, and is the request's ecb::Transport until it finishes.
//
// Threads: the read side runs on the session's strand. While a request is
// dispatched, the strand has no operation on the socket, so the pool thread
// running the extension may write to it directly (the cheap path) and, once
// the response is complete, start reading the next request itself; anything
// that must wait (a full send buffer, more body bytes) is posted back to the
// strand and awaited.
//
// Corking: bytes that inline extension code sends (IoRunner) wait in
// `corked_` for the end of the I/O thread's batch (BatchEnd). Whoever writes
// to the socket next, on any thread, sends them first, so the order holds.
//
// Timeouts: one timer per connection checks a deadline that requests move
// (an atomic store), so a request costs no timer operations.
#include "client_connection.hpp"
#include "dispatcher.hpp"
#include "limits.hpp"
#include "request_parser.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace isapi::host {

class HttpSession final : public ClientConnection, public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(boost::asio::ip::tcp::socket socket, const ServerLimits& limits, Dispatcher& dispatcher);
    void start();

    bool send(std::span<const std::string_view> pieces) override;
    std::optional<std::size_t> receive(std::span<char> buffer) override;
    bool connected() const override;
    void finish(bool keep_alive, bool abortive) override;

    void send_async(std::string bytes, std::function<void(bool ok)> written) override;
    void receive_async(std::size_t max, std::function<void(std::optional<std::string>)> received) override;
    void finish_async(bool keep_alive, bool abortive) override;
    bool response_started() const override { return response_started_; }
    void notify_when_gone(std::function<void()> gone) override;

private:
    using error_code = boost::system::error_code;
    using Parser = BoundedRequestParser<boost::beast::http::buffer_body>;

    void do_read();
    void on_read_header(error_code ec);
    void do_preload();
    void on_preload(error_code ec);
    void dispatch_request();
    void reply_and_close(unsigned status, std::string_view message);
    // A body read failed: the client gets the status when no response has
    // started (on the strand).
    void refuse_body(error_code ec);
    // Arms the timer for a body read: the request timeout, or less if the
    // body is behind the minimum rate (limits_.min_body_bytes_per_second).
    void arm_body_timer();
    void count_body_progress(std::size_t bytes);
    void close(bool abortive);
    void arm_timer(std::chrono::milliseconds timeout);
    void disarm_timer();
    void watch_deadline();
    bool write_blocking_on_strand(std::span<const boost::asio::const_buffer> buffers);
    // Body bytes into `buffer` (on the strand); `done` gets the count, 0 at
    // the end of the body, nullopt on failure.
    void read_body(std::span<char> buffer, std::function<void(std::optional<std::size_t>)> done);
    void write_queued();  // on the strand
    void watch_for_close(std::function<void()> gone, std::uint64_t request);  // on the strand
    // Sends what corking held back (an I/O thread, at the end of its batch);
    // waits for the socket to drain if the kernel cannot take it all.
    void flush_corked();
    // The held-back bytes, for a writer about to send: they go out first.
    std::string take_corked();
    // Writes `earlier` then `pieces`, waiting (through the strand) if the
    // kernel's send buffer is full.
    bool write_all(std::string_view earlier, std::span<const std::string_view> pieces);
    ecb::Request make_request() const;

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer timer_;
    using Clock = std::chrono::steady_clock;
    static constexpr Clock::rep kNoDeadline = Clock::duration::max().count();
    std::atomic<Clock::rep> deadline_{kNoDeadline};  // ticks since the clock's epoch
    std::atomic<bool> timed_out_{false};
    const ServerLimits& limits_;
    Dispatcher& dispatcher_;

    boost::beast::flat_buffer buffer_;
    std::optional<Parser> parser_;
    std::string preload_;
    std::size_t preloaded_ = 0;
    // The minimum body rate counts only the time a body read waits.
    std::uint64_t body_bytes_ = 0;
    Clock::duration body_wait_{};
    Clock::time_point body_read_started_{};
    bool replying_ = false;  // a canned answer is on its way: nothing else closes
    std::atomic<bool> connected_{true};
    std::atomic<bool> response_started_{false};
    std::atomic<std::uint64_t> request_number_{0};  // which request on this connection
    // The relay path's queue (strand only): bytes and who waits for them.
    struct QueuedWrite {
        std::string bytes;
        std::function<void(bool)> written;
    };
    std::deque<QueuedWrite> queued_writes_;
    bool async_writing_ = false;
    std::optional<std::pair<bool, bool>> finish_after_writes_;  // keep_alive, abortive
    // Larger responses go out at once: the kernel's send buffer starts at
    // 16 KiB (tcp_wmem), so a flush of this much rarely has to wait.
    static constexpr std::size_t kCorkLimit = 16 * 1024;
    std::mutex cork_mutex_;
    std::string corked_;  // not empty: a flush is deferred or waits for the socket
    std::string local_addr_, remote_addr_;
    std::uint16_t local_port_ = 0, remote_port_ = 0;
};

}  // namespace isapi::host
