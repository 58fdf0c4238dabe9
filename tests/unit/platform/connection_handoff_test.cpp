// The --handoff seam against the real kernel: descriptors over an AF_UNIX
// stream pair, the socket helpers the front end answers with, and the state
// table in shared memory. A received descriptor is checked by use (bytes
// written through it come out of the other end of its pipe), since its number
// differs from the one sent.
#include <isapi/platform/connection_handoff.hpp>

#include "../loopback_tcp.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace isapi::platform;

namespace {

// Two connected descriptors, closed on destruction.
struct Ends {
    int a = -1, b = -1;
    static Ends sockets() {
        int sv[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        return {sv[0], sv[1]};
    }
    // A TCP connection over loopback: a is the client's end, b the server's.
    static Ends tcp() {
        const auto ends = isapi::test::loopback_tcp();
        return {ends.client, ends.server};
    }
    static Ends pipe() {
        int p[2];
        REQUIRE(::pipe(p) == 0);
        return {p[0], p[1]};  // a: read end, b: write end
    }
    Ends(int first, int second) : a(first), b(second) {}
    Ends(Ends&& o) noexcept : a(std::exchange(o.a, -1)), b(std::exchange(o.b, -1)) {}
    Ends& operator=(Ends&&) = delete;
    ~Ends() {
        if (a >= 0) ::close(a);
        if (b >= 0) ::close(b);
    }
};

bool close_on_exec(NativeDescriptor d) { return (::fcntl(static_cast<int>(d), F_GETFD) & FD_CLOEXEC) != 0; }

// Writes `text` through `through`, reads it back from `from`.
std::string round_trip(NativeDescriptor through, int from, const std::string& text) {
    REQUIRE(::write(static_cast<int>(through), text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    std::string got(text.size(), '\0');
    REQUIRE(::read(from, got.data(), got.size()) == static_cast<ssize_t>(got.size()));
    return got;
}

// Everything there is to read now, with the descriptors that came with it.
std::string drain(int channel, std::vector<NativeDescriptor>& descriptors) {
    std::string all;
    char buffer[4096];
    for (;;) {
        std::error_code ec;
        const std::size_t n = receive_with_descriptors(channel, buffer, descriptors, ec);
        if (ec || n == 0) return all;
        all.append(buffer, n);
    }
}

}  // namespace

TEST_CASE("a descriptor sent with bytes arrives with them, as the same open file, close-on-exec", "[handoff]") {
    Ends channel = Ends::sockets();
    Ends pipe = Ends::pipe();
    std::error_code ec;
    REQUIRE(send_with_descriptor(channel.a, "frame", pipe.b, ec) == 5);
    REQUIRE_FALSE(ec);

    std::vector<NativeDescriptor> received;
    char buffer[64];
    REQUIRE(receive_with_descriptors(channel.b, buffer, received, ec) == 5);
    REQUIRE_FALSE(ec);
    CHECK(std::string(buffer, 5) == "frame");
    REQUIRE(received.size() == 1);
    CHECK(close_on_exec(received[0]));
    CHECK(round_trip(received[0], pipe.a, "through the copy") == "through the copy");
    close_descriptor(received[0]);
}

TEST_CASE("frames that each bring a descriptor keep their order, and each descriptor comes with its frame's first byte",
          "[handoff]") {
    constexpr int kFrames = 6;
    const std::string frame = "0123456789";
    Ends channel = Ends::sockets();
    std::vector<Ends> pipes;
    for (int i = 0; i < kFrames; ++i) pipes.push_back(Ends::pipe());
    std::error_code ec;
    for (int i = 0; i < kFrames; ++i) REQUIRE(send_with_descriptor(channel.a, frame, pipes[i].b, ec) == frame.size());

    // A buffer smaller than a frame splits frames across reads; a large one
    // takes whatever the kernel gives at once.
    const std::size_t room = GENERATE(std::size_t{3}, std::size_t{4096});
    std::vector<char> buffer(room);
    std::vector<NativeDescriptor> received;
    std::size_t total = 0;
    while (total < frame.size() * kFrames) {
        const std::size_t n = receive_with_descriptors(channel.b, buffer, received, ec);
        REQUIRE_FALSE(ec);
        REQUIRE(n > 0);
        total += n;
        const std::size_t frames_begun = (total + frame.size() - 1) / frame.size();
        CHECK(received.size() == frames_begun);
    }
    REQUIRE(received.size() == kFrames);
    for (int i = 0; i < kFrames; ++i) {
        CHECK(round_trip(received[i], pipes[i].a, "frame " + std::to_string(i)) == "frame " + std::to_string(i));
        close_descriptor(received[i]);
    }
}

TEST_CASE("receiving says would_block when nothing is there, and 0 bytes once the other end closed", "[handoff]") {
    Ends channel = Ends::sockets();
    std::vector<NativeDescriptor> received;
    char buffer[16];
    std::error_code ec;
    CHECK(receive_with_descriptors(channel.b, buffer, received, ec) == 0);
    CHECK(ec == std::errc::operation_would_block);

    ::close(std::exchange(channel.a, -1));
    CHECK(receive_with_descriptors(channel.b, buffer, received, ec) == 0);
    CHECK_FALSE(ec);
    CHECK(received.empty());
}

TEST_CASE("a send the socket has no room for says would_block and the descriptor does not go", "[handoff]") {
    Ends channel = Ends::sockets();
    const std::string filler(4096, 'x');
    while (::send(channel.a, filler.data(), filler.size(), MSG_DONTWAIT) > 0) {
    }
    REQUIRE((errno == EAGAIN || errno == EWOULDBLOCK));
    Ends pipe = Ends::pipe();
    std::error_code ec;
    CHECK(send_with_descriptor(channel.a, "late", pipe.b, ec) == 0);
    CHECK(ec == std::errc::operation_would_block);

    std::vector<NativeDescriptor> received;
    const std::string all = drain(channel.b, received);
    CHECK(all.find("late") == std::string::npos);
    CHECK(received.empty());

    CHECK(send_with_descriptor(channel.a, "x", -1, ec) == 0);
    CHECK(ec == std::errc::bad_file_descriptor);
}

TEST_CASE("a duplicate is a close-on-exec copy that outlives the original", "[handoff]") {
    Ends pipe = Ends::pipe();
    std::error_code ec;
    const NativeDescriptor copy = duplicate_descriptor(pipe.b, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(copy != kNoDescriptor);
    CHECK(copy != pipe.b);
    CHECK(close_on_exec(copy));
    close_descriptor(std::exchange(pipe.b, -1));
    CHECK(round_trip(copy, pipe.a, "still open") == "still open");
    close_descriptor(copy);
    char byte;
    CHECK(::read(pipe.a, &byte, 1) == 0);  // the last writer closed

    CHECK(duplicate_descriptor(kNoDescriptor, ec) == kNoDescriptor);
    CHECK(ec == std::errc::bad_file_descriptor);
    close_descriptor(kNoDescriptor);  // nothing to close, and no harm
}

TEST_CASE("unread_bytes counts what the peer sent and nobody read", "[handoff]") {
    Ends channel = Ends::sockets();
    CHECK(unread_bytes(channel.b) == 0);
    REQUIRE(::write(channel.a, "seven!!", 7) == 7);
    CHECK(unread_bytes(channel.b) == 7);
    char buffer[3];
    REQUIRE(::read(channel.b, buffer, 3) == 3);
    CHECK(unread_bytes(channel.b) == 4);
    CHECK(unread_bytes(kNoDescriptor) == 0);
}

// Waits (up to 2 s) until `fd` has `count` unread bytes: loopback delivery
// is quick, not instant.
bool wait_unread(int fd, std::size_t count) {
    for (int i = 0; i < 2000 && unread_bytes(fd) != count; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return unread_bytes(fd) == count;
}

TEST_CASE("bytes_taken counts what readers took of a TCP connection, whatever is still unread", "[handoff]") {
    Ends connection = Ends::tcp();
    CHECK(bytes_taken(connection.b) == 0u);
    REQUIRE(::write(connection.a, "GET / HTTP/1.1\r\n", 16) == 16);
    REQUIRE(wait_unread(connection.b, 16));
    CHECK(bytes_taken(connection.b) == 0u);  // arrived, not taken
    char buffer[64];
    REQUIRE(::read(connection.b, buffer, 4) == 4);
    CHECK(bytes_taken(connection.b) == 4u);
    REQUIRE(::write(connection.a, "Host: a\r\n\r\n", 11) == 11);
    REQUIRE(wait_unread(connection.b, 23));
    CHECK(bytes_taken(connection.b) == 4u);
    REQUIRE(::read(connection.b, buffer, sizeof buffer) == 23);
    CHECK(bytes_taken(connection.b) == 27u);

    // The client's end of the stream is not a byte, read or not.
    REQUIRE(::shutdown(connection.a, SHUT_WR) == 0);
    pollfd readable{connection.b, POLLIN, 0};
    REQUIRE(::poll(&readable, 1, 2000) == 1);
    CHECK(bytes_taken(connection.b) == 27u);
    CHECK(::read(connection.b, buffer, sizeof buffer) == 0);
    CHECK(bytes_taken(connection.b) == 27u);
}

TEST_CASE("bytes_taken cannot tell on what is not a TCP connection", "[handoff]") {
    Ends channel = Ends::sockets();
    CHECK_FALSE(bytes_taken(channel.b).has_value());
    CHECK_FALSE(bytes_taken(kNoDescriptor).has_value());
}

TEST_CASE("client_has_left only once the client's end has come and nothing it sent is unread", "[handoff]") {
    Ends connection = Ends::tcp();
    CHECK_FALSE(client_has_left(connection.b));  // open, quiet
    REQUIRE(::write(connection.a, "GET", 3) == 3);
    REQUIRE(::shutdown(connection.a, SHUT_WR) == 0);
    REQUIRE(wait_unread(connection.b, 3));
    CHECK_FALSE(client_has_left(connection.b));  // gone, but a request's start is still there
    char buffer[8];
    REQUIRE(::read(connection.b, buffer, sizeof buffer) == 3);
    pollfd readable{connection.b, POLLIN, 0};
    REQUIRE(::poll(&readable, 1, 2000) == 1);
    CHECK(client_has_left(connection.b));
    CHECK(client_has_left(connection.b));  // asking reads nothing

    Ends reset = Ends::tcp();
    const linger abortive{1, 0};
    REQUIRE(::setsockopt(reset.a, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive) == 0);
    ::close(std::exchange(reset.a, -1));
    readable.fd = reset.b;
    REQUIRE(::poll(&readable, 1, 2000) == 1);
    CHECK(client_has_left(reset.b));
}

TEST_CASE("write_and_shut writes everything, then the peer reads the end", "[handoff]") {
    Ends channel = Ends::sockets();
    // More than the socket buffers hold: the writer has to wait for the reader.
    std::string answer(4 * 1024 * 1024, '\0');
    for (std::size_t i = 0; i < answer.size(); ++i) answer[i] = static_cast<char>('a' + i % 26);
    std::string got;
    std::thread reader([&] {
        char buffer[65536];
        ssize_t n;
        while ((n = ::read(channel.b, buffer, sizeof buffer)) > 0) got.append(buffer, static_cast<std::size_t>(n));
    });
    const bool ok = write_and_shut(channel.a, answer, 10'000);
    reader.join();
    CHECK(ok);
    CHECK(got.size() == answer.size());
    CHECK(got == answer);
}

TEST_CASE("write_and_shut gives up on a peer that does not read, or is gone", "[handoff]") {
    Ends channel = Ends::sockets();
    const std::string answer(4 * 1024 * 1024, 'x');
    CHECK_FALSE(write_and_shut(channel.a, answer, 50));
    ::close(std::exchange(channel.b, -1));
    CHECK_FALSE(write_and_shut(channel.a, "502", 50));  // EPIPE, and no SIGPIPE
}

TEST_CASE("two mappings of one state table see each other's stores, and a moved-from table is empty", "[handoff]") {
    SharedStateTable front = SharedStateTable::create(64);
    REQUIRE(front.valid());
    CHECK(front.size() == 64);
    CHECK(close_on_exec(front.descriptor()));
    CHECK(front.at(63).load() == 0);  // a new table is all zero

    std::error_code ec;
    SharedStateTable worker = SharedStateTable::attach(duplicate_descriptor(front.descriptor(), ec), 64);
    REQUIRE(worker.valid());
    front.at(5).store(1);
    CHECK(worker.at(5).load() == 1);
    worker.at(63).store(2);
    CHECK(front.at(63).load() == 2);

    SharedStateTable moved(std::move(worker));
    CHECK_FALSE(worker.valid());
    CHECK(worker.descriptor() == kNoDescriptor);
    CHECK(moved.at(5).load() == 1);
    SharedStateTable assigned;
    assigned = std::move(moved);
    CHECK_FALSE(moved.valid());
    REQUIRE(assigned.valid());
    assigned.at(0).store(7);
    CHECK(front.at(0).load() == 7);

    CHECK_THROWS_AS(SharedStateTable::attach(kNoDescriptor, 64), std::system_error);
}
