// The front end's copies of the connections it handed to a worker, with
// socket pairs as the clients' connections. The worker's side of the state
// table is a second mapping of the same memfd, as in the worker process.
#include <workers/handed_connections.hpp>
#include <server/session_tracker.hpp>

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
    CHECK(settled.cut[0] == "GET /" + std::string(ConnectionSlots::kRecordBytes - 2 - 5, 'x'));  // 126 characters: a state byte and a NUL
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
