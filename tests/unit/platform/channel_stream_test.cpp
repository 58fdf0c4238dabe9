// ChannelStream on POSIX: the channel end as a non-blocking Asio socket, so
// write_some never waits, and the two ways a read learns the stream ended.
#include <isapi/platform/channel_stream.hpp>

#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>

using namespace isapi::platform;
namespace net = boost::asio;

namespace {

// A connected pair: ours adopted into a ChannelStream, the peer a descriptor.
struct AdoptedPair {
    net::io_context io;
    int peer = -1;
    std::optional<ChannelStream> stream;
    AdoptedPair() {
        int ends[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) == 0);
        peer = ends[1];
        stream.emplace(adopt_channel_stream(io.get_executor(), ends[0]));
    }
    ~AdoptedPair() {
        if (peer >= 0) ::close(peer);
    }
};

}  // namespace

TEST_CASE("an adopted channel's write_some takes what fits and never blocks", "[channel-stream]") {
    static_assert(kChannelWriteSomeNeverBlocks);
    AdoptedPair pair;
    CHECK(pair.stream->non_blocking());
    // Nobody reads the peer: far more than a socket buffer holds.
    const std::string big(8 << 20, 'x');
    boost::system::error_code ec;
    const std::size_t first = pair.stream->write_some(net::buffer(big), ec);
    CHECK_FALSE(ec);
    CHECK(first > 0);
    CHECK(first < big.size());
    pair.stream->write_some(net::buffer(big), ec);
    CHECK((ec == net::error::would_block || ec == net::error::try_again));
}

TEST_CASE("a read on an adopted channel ends when the peer closes, and after shutdown_channel_stream",
          "[channel-stream]") {
    AdoptedPair pair;
    char byte = 0;
    boost::system::error_code read_error = net::error::in_progress;
    const auto read = [&] {
        read_error = net::error::in_progress;
        pair.stream->async_read_some(net::buffer(&byte, 1),
                                     [&](const boost::system::error_code& ec, std::size_t) { read_error = ec; });
    };
    read();
    pair.io.run_for(std::chrono::milliseconds(20));
    CHECK(read_error == net::error::in_progress);  // still pending: nothing was sent
    shutdown_channel_stream(*pair.stream);
    pair.io.restart();
    pair.io.run_for(std::chrono::seconds(10));
    CHECK(channel_closed_by_peer(read_error));

    AdoptedPair closing;
    closing.stream->async_read_some(net::buffer(&byte, 1),
                                    [&](const boost::system::error_code& ec, std::size_t) { read_error = ec; });
    ::close(std::exchange(closing.peer, -1));
    closing.io.run_for(std::chrono::seconds(10));
    CHECK(channel_closed_by_peer(read_error));
}
