// The front end's copies of the connections it handed to a worker, with
// socket pairs as the clients' connections (loopback TCP where the kernel's
// byte count matters). The worker's side of the state
// table is a second mapping of the same memfd, as in the worker process.
#include <workers/handed_connections.hpp>
#include <server/session_tracker.hpp>

#include "../loopback_tcp.hpp"

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace isapi::host;
namespace platform = isapi::platform;

namespace {

// A client connection: `client` is the client's end, `handed` the copy the
// front end keeps (its own from add() on).
struct Client {
    int client = -1;
    int handed = -1;
    Client() {
        int sv[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        client = sv[0];
        handed = sv[1];
    }
    // A TCP connection over loopback, where the kernel counts what the
    // worker read (platform::bytes_taken).
    struct Tcp {};
    explicit Client(Tcp) {
        const auto ends = isapi::test::loopback_tcp();
        client = ends.client;
        handed = ends.server;
    }
    // The client sends `bytes`, and the worker reads them all from its copy
    // (the same socket).
    void sent_and_read(std::string_view bytes) const {
        REQUIRE(::write(client, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
        std::string got(bytes.size(), '\0');
        for (std::size_t at = 0; at < got.size();) {
            const ssize_t n = ::recv(handed, got.data() + at, got.size() - at, 0);
            REQUIRE(n > 0);
            at += static_cast<std::size_t>(n);
        }
    }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    ~Client() { ::close(client); }

    // Everything the client gets until the end of the stream.
    std::string read_all() const {
        std::string all;
        char buffer[512];
        ssize_t n;
        while ((n = ::recv(client, buffer, sizeof buffer, 0)) > 0) all.append(buffer, static_cast<std::size_t>(n));
        return all;
    }
    // Whether the front end's copy is closed: the client's writes then fail.
    bool server_side_closed() const {
        return ::send(client, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno == EPIPE;
    }
};

struct WorkerView {
    platform::SharedStateTable table;
    explicit WorkerView(const HandedConnections& handed) {
        std::error_code ec;
        table = platform::SharedStateTable::attach(platform::duplicate_descriptor(handed.table_descriptor(), ec),
                                                   handed.table_size());
    }
    void set(std::uint32_t slot, SessionState state) { ConnectionSlots(table).set_state(slot, state); }
    void set_idle(std::uint32_t slot, std::uint64_t bytes_read) {
        ConnectionSlots(table).set_bytes_read(slot, bytes_read);
        set(slot, SessionState::idle);
    }
    void set_request(std::uint32_t slot, std::string_view line) {
        ConnectionSlots(table).set_request(slot, line.substr(0, line.find(' ')), line.substr(line.find(' ') + 1));
    }
};

}  // namespace

TEST_CASE("connections are held until the worker closes them or gives them back", "[handed]") {
    HandedConnections handed;
    Client closed_one, returned_one;
    const auto first = handed.add(1, closed_one.handed, false);
    const auto second = handed.add(2, returned_one.handed, true);
    REQUIRE(first);
    REQUIRE(second);
    CHECK(*first != *second);
    CHECK(handed.size() == 2);

    handed.closed(1);
    CHECK(handed.size() == 1);
    CHECK(closed_one.server_side_closed());
    handed.closed(1);  // again, or an id never added: nothing happens
    handed.closed(99);

    CHECK_FALSE(handed.returned(99, "").has_value());
    auto back = handed.returned(2, "GET / HT");
    REQUIRE(back);
    CHECK(handed.size() == 0);
    CHECK(back->socket == returned_one.handed);
    CHECK(back->v6);
    CHECK(back->preread == "GET / HT");
    CHECK_FALSE(returned_one.server_side_closed());  // the caller's now
    platform::close_descriptor(back->socket);
}

TEST_CASE("every slot is given once, and a full table refuses the next connection", "[handed]") {
    HandedConnections handed;
    CHECK(handed.table_size() == ConnectionSlots::bytes_for(HandedConnections::kSlots));
    std::set<std::uint32_t> slots;
    for (std::uint64_t id = 0; id < HandedConnections::kSlots; ++id) {
        const auto slot = handed.add(id, platform::kNoDescriptor, false);
        REQUIRE(slot);
        REQUIRE(*slot < HandedConnections::kSlots);
        slots.insert(*slot);
    }
    CHECK(slots.size() == HandedConnections::kSlots);
    CHECK_FALSE(handed.add(HandedConnections::kSlots, platform::kNoDescriptor, false));
    handed.closed(7);
    CHECK(handed.add(HandedConnections::kSlots, platform::kNoDescriptor, false));
}

TEST_CASE("when the worker dies, each connection is settled by the state the worker left in the table", "[handed]") {
    HandedConnections handed;
    WorkerView worker(handed);
    // What an earlier connection left in every slot: add() starts each idle.
    for (std::uint32_t slot = 0; slot < HandedConnections::kSlots; ++slot) worker.set(slot, SessionState::responding);
    Client idle, busy, responding, busy_but_gone;
    REQUIRE(handed.add(1, idle.handed, true));
    const auto busy_slot = handed.add(2, busy.handed, false);
    const auto responding_slot = handed.add(3, responding.handed, false);
    const auto gone_slot = handed.add(4, busy_but_gone.handed, false);
    worker.set_request(busy_slot.value(), "GET /busy.dll?q=1");
    worker.set(busy_slot.value(), SessionState::busy);
    worker.set_request(responding_slot.value(), "POST /responding.dll");
    worker.set(responding_slot.value(), SessionState::responding);
    worker.set_request(gone_slot.value(), "GET /" + std::string(300, 'x'));  // cut at the record's end
    worker.set(gone_slot.value(), SessionState::busy);
    ::close(std::exchange(busy_but_gone.client, -1));
    REQUIRE(::write(idle.client, "GET", 3) == 3);  // the next request's start, left for the next worker

    const std::string answer = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
    auto settled = handed.settle(answer);
    // The client that left took no answer: its request was cut.
    CHECK(settled.answered == std::vector<std::string>{"GET /busy.dll?q=1"});
    REQUIRE(settled.cut.size() == 2);
    std::sort(settled.cut.begin(), settled.cut.end());
    CHECK(settled.cut[0] == "GET /" + std::string(ConnectionSlots::kLineRoom - 5, 'x'));  // cut to the line's room
    CHECK(settled.cut[1] == "POST /responding.dll");
    CHECK(handed.size() == 0);
    auto& between = settled.between_requests;

    REQUIRE(between.size() == 1);
    CHECK(between[0].socket == idle.handed);
    CHECK(between[0].v6);
    CHECK(between[0].preread.empty());
    CHECK(platform::unread_bytes(between[0].socket) == 3);
    CHECK_FALSE(idle.server_side_closed());
    platform::close_descriptor(between[0].socket);

    CHECK(busy.read_all() == answer);  // then the end of the stream
    CHECK(busy.server_side_closed());
    CHECK(responding.read_all().empty());  // a reset on TCP; no bytes on either
    CHECK(responding.server_side_closed());

    // Every slot is free again.
    for (std::uint64_t id = 0; id < HandedConnections::kSlots; ++id)
        REQUIRE(handed.add(100 + id, platform::kNoDescriptor, false));
}

TEST_CASE("an idle connection whose worker read past its last request gets the 502; one it read no further moves on",
          "[handed]") {
    HandedConnections handed;
    WorkerView worker(handed);
    Client answered_one(Client::Tcp{}), next_waiting(Client::Tcp{}), half_read(Client::Tcp{});
    const auto answered_slot = handed.add(1, answered_one.handed, false);
    const auto waiting_slot = handed.add(2, next_waiting.handed, false);
    const auto half_slot = handed.add(3, half_read.handed, false);
    REQUIRE((answered_slot && waiting_slot && half_slot));

    // One request read and answered, marked idle with its 38 bytes.
    const std::string request = "GET /a.dll HTTP/1.1\r\nHost: localhost\r\n\r\n";
    answered_one.sent_and_read(request);
    worker.set_idle(*answered_slot, request.size());
    // The same, then the start of the next request, still unread.
    next_waiting.sent_and_read(request);
    worker.set_idle(*waiting_slot, request.size());
    REQUIRE(::write(next_waiting.client, "GET", 3) == 3);
    // A request's first line read, the header still arriving: the worker
    // marks nothing until the header is whole, so the slot says idle.
    half_read.sent_and_read("POST /upload.dll HTTP/1.1\r\n");

    const std::string answer = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
    auto settled = handed.settle(answer);
    CHECK(settled.answered == std::vector<std::string>{"(a request not yet read in full)"});
    CHECK(settled.cut.empty());
    REQUIRE(settled.between_requests.size() == 2);
    std::set<int> moved;
    for (auto& socket : settled.between_requests) moved.insert(static_cast<int>(socket.socket));
    CHECK(moved == std::set<int>{answered_one.handed, next_waiting.handed});
    for (std::size_t tries = 0; tries < 200 && platform::unread_bytes(next_waiting.handed) < 3; ++tries)
        ::usleep(1000);
    CHECK(platform::unread_bytes(next_waiting.handed) == 3);  // still there for the next worker
    for (auto& socket : settled.between_requests) platform::close_descriptor(socket.socket);
    CHECK(half_read.read_all() == answer);
}

TEST_CASE("a connection handed with bytes of a request another worker read holds that request until the worker says otherwise",
          "[handed]") {
    HandedConnections handed;
    WorkerView worker(handed);
    Client begun, begun_then_idle;
    worker.set_request(0, "GET /earlier.dll");  // a line a slot's last connection left
    const auto begun_slot = handed.add(1, begun.handed, false, true);
    const auto idle_slot = handed.add(2, begun_then_idle.handed, false, true);
    REQUIRE((begun_slot && idle_slot));
    // This worker served the request those bytes began, and waits for the next.
    worker.set_idle(*idle_slot, 0);

    const std::string answer = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
    auto settled = handed.settle(answer);
    // The other died before it said anything: the bytes it was given are
    // gone with it, so the request is answered, not the connection passed on.
    CHECK(settled.answered == std::vector<std::string>{"(a request not yet read in full)"});
    REQUIRE(settled.between_requests.size() == 1);
    CHECK(settled.between_requests[0].socket == begun_then_idle.handed);
    platform::close_descriptor(settled.between_requests[0].socket);
    CHECK(begun.read_all() == answer);
}
