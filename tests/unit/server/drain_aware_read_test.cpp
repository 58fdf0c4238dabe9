// async_read_drain_aware over a loopback connection: it reads what Asio's
// own read would (bytes, the end of the stream, a cancel), and after a short
// read it waits for epoll instead of calling recv() on an empty socket.
//
// This executable defines recv() itself: Asio's code is compiled into it and
// its calls bind here, so the test can count the ones that found nothing.
#include <server/drain_aware_read.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <dlfcn.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <future>
#include <string>
#include <thread>

namespace {
std::atomic<int> empty_recvs{0};
}

extern "C" ssize_t recv(int fd, void* data, size_t size, int flags) {
    using Recv = ssize_t (*)(int, void*, size_t, int);
    static const auto real = reinterpret_cast<Recv>(dlsym(RTLD_NEXT, "recv"));
    const ssize_t got = real(fd, data, size, flags);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) empty_recvs.fetch_add(1);
    return got;
}

namespace net = boost::asio;
using error_code = boost::system::error_code;
using namespace std::chrono_literals;

namespace {

struct Pair {
    Pair() {
        net::ip::tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
        client.connect(acceptor.local_endpoint());
        server = acceptor.accept();
        server.non_blocking(true);
    }
    net::io_context io;
    net::ip::tcp::socket client{io};
    net::ip::tcp::socket server{io};
};

struct Result {
    error_code ec;
    std::size_t bytes = 0;
    bool done = false;
};

// Starts one read of up to `capacity` bytes into `into`.
void start_read(Pair& pair, std::string& into, std::size_t capacity, Result& result) {
    into.assign(capacity, '\0');
    result = {};
    isapi::host::async_read_drain_aware(pair.server, net::buffer(into), [&result](error_code ec, std::size_t n) {
        result.ec = ec;
        result.bytes = n;
        result.done = true;
    });
}

// Runs the io_context until `result` is in, for at most 5 s.
void run_until_done(Pair& pair, Result& result) {
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (!result.done && std::chrono::steady_clock::now() < give_up) {
        pair.io.restart();
        pair.io.run_for(10ms);
    }
}

}  // namespace

#if ISAPI_HOST_DRAIN_AWARE_READ  // otherwise reads are Asio's own, as in the control below
TEST_CASE("a drain-aware read returns the bytes there, then waits for epoll instead of an empty recv",
          "[server][drain-aware-read]") {
    Pair pair;
    std::string into;
    Result result;

    // Read first, then send: the bytes reach the read in the reactor, with
    // no readiness report left over for bytes already taken.
    start_read(pair, into, 512, result);
    pair.io.run_for(20ms);
    net::write(pair.client, net::buffer(std::string("GET / HTTP/1.1\r\n\r\n")));
    run_until_done(pair, result);
    REQUIRE(result.done);
    REQUIRE_FALSE(result.ec);
    REQUIRE(into.substr(0, result.bytes) == "GET / HTTP/1.1\r\n\r\n");

    // The socket is drained: the next read must not try it until epoll says so.
    const int empty_before = empty_recvs.load();
    start_read(pair, into, 512, result);
    pair.io.restart();
    pair.io.run_for(50ms);
    REQUIRE_FALSE(result.done);
    CHECK(empty_recvs.load() == empty_before);

    // Bytes that arrive later complete it.
    net::write(pair.client, net::buffer(std::string("next")));
    run_until_done(pair, result);
    REQUIRE(result.done);
    REQUIRE_FALSE(result.ec);
    CHECK(into.substr(0, result.bytes) == "next");
    CHECK(empty_recvs.load() == empty_before);
}
#endif

TEST_CASE("Asio's own read of a drained socket does call recv for nothing (what the drain-aware read saves)",
          "[server][drain-aware-read]") {
    // The control: if this stops failing to find data, the saving is gone
    // from Asio itself and the drain-aware read can go.
    Pair pair;
    std::string into(512, '\0');
    bool done = false;
    pair.server.async_read_some(net::buffer(into), [&](error_code, std::size_t) { done = true; });
    pair.io.run_for(20ms);
    net::write(pair.client, net::buffer(std::string("first")));
    pair.io.restart();
    pair.io.run_for(1s);
    REQUIRE(done);
    const int empty_before = empty_recvs.load();
    done = false;
    pair.server.async_read_some(net::buffer(into), [&](error_code, std::size_t) { done = true; });
    pair.io.restart();
    pair.io.run_for(50ms);
    REQUIRE_FALSE(done);
    CHECK(empty_recvs.load() == empty_before + 1);
    pair.server.close();
    pair.io.restart();
    pair.io.run_for(1s);
}

TEST_CASE("a full read leaves the socket to be read again at once", "[server][drain-aware-read]") {
    Pair pair;
    std::string into;
    Result result;
    net::write(pair.client, net::buffer(std::string(100, 'x')));
    start_read(pair, into, 60, result);
    run_until_done(pair, result);
    REQUIRE(result.bytes == 60);
    // Not drained: the rest comes with no new byte from the client.
    start_read(pair, into, 60, result);
    run_until_done(pair, result);
    REQUIRE(result.done);
    CHECK(result.bytes == 40);
}

TEST_CASE("a drain-aware read ends with eof when the client closes, and with operation_aborted on cancel",
          "[server][drain-aware-read]") {
    std::string into;
    Result result;
    {
        Pair pair;
        net::write(pair.client, net::buffer(std::string("x")));
        start_read(pair, into, 16, result);
        run_until_done(pair, result);
        REQUIRE(result.bytes == 1);
        start_read(pair, into, 16, result);  // waits in the reactor
        pair.client.close();
        run_until_done(pair, result);
        REQUIRE(result.done);
        CHECK(result.ec == net::error::eof);
    }
    {
        Pair pair;
        start_read(pair, into, 16, result);
        pair.io.restart();
        pair.io.run_for(20ms);
        REQUIRE_FALSE(result.done);
        pair.server.cancel();
        run_until_done(pair, result);
        REQUIRE(result.done);
        CHECK(result.ec == net::error::operation_aborted);
    }
}

TEST_CASE("reads on a blocking socket are Asio's own, and still work", "[server][drain-aware-read]") {
    Pair pair;
    pair.server.non_blocking(false);
    std::string into;
    Result result;
    net::write(pair.client, net::buffer(std::string("abc")));
    start_read(pair, into, 16, result);
    run_until_done(pair, result);
    REQUIRE(result.done);
    CHECK(into.substr(0, result.bytes) == "abc");
}
