#pragma once
// A connection's transport for the worker-process front end: the bytes of a
// worker's response, relayed by the front end's I/O thread, which must never
// wait. Sends go straight to the kernel when it takes them all, else into a
// queue written in order on the connection's strand; body reads and the end
// of the response answer through callbacks; and a watch tells the relay when
// the client leaves mid-request. Which thread may do what:
// docs/architecture.md, "Threading model".
#include "body_reader.hpp"
#include "client_connection.hpp"
#include "session_socket.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <utility>

namespace isapi::host {

class RelayTransport {
public:
    // `connection` is the one this relays for: its finish() ends a response.
    RelayTransport(SessionSocket& socket, BodyReader& body, ClientConnection& connection)
        : socket_(socket), body_(body), connection_(connection) {}

    // ClientConnection's asynchronous calls, from any thread.
    void send(std::string bytes, std::function<void(bool ok)> written);
    void receive(std::size_t max, std::function<void(std::optional<std::string>)> received);
    void finish(bool keep_alive, bool abortive);
    void notify_when_gone(std::function<void()> gone);

private:
    void write_queued();  // on the strand
    void watch_for_close(std::function<void()> gone, std::uint64_t request);  // on the strand

    SessionSocket& socket_;
    BodyReader& body_;
    ClientConnection& connection_;
    // Strand only: the bytes waiting for the socket, and who waits for them.
    struct QueuedWrite {
        std::string bytes;
        std::function<void(bool)> written;
    };
    std::deque<QueuedWrite> queued_writes_;
    bool async_writing_ = false;
    std::optional<std::pair<bool, bool>> finish_after_writes_;  // keep_alive, abortive
};

}  // namespace isapi::host
