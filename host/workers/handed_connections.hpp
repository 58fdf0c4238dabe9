#pragma once
// The front end's copies of the client connections it handed to one worker
// (--handoff), and the state table that worker writes. The front end keeps
// a copy of each socket so that, if the worker dies, it can still answer
// the request the worker held (502), pass a connection that was between
// requests to the next worker, or, when the worker gives a connection back
// on drain, pass it on. On the pool's strand, like the WorkerProcess that
// owns it.
#include "connection_slots.hpp"

#include <isapi/platform/connection_handoff.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace isapi::host {

// A connection on its way between workers.
struct HandedSocket {
    platform::NativeDescriptor socket = platform::kNoDescriptor;  // the front end's copy
    bool v6 = false;
    std::string preread;  // bytes a worker read past its last request
};

class HandedConnections {
public:
    // One state slot per connection a worker may hold at once. Throws
    // std::system_error when the table cannot be made.
    static constexpr std::size_t kSlots = 64 * 1024;
    HandedConnections();
    ~HandedConnections();  // closes the copies still held

    platform::NativeDescriptor table_descriptor() const { return table_.descriptor(); }
    std::size_t table_size() const { return table_.size(); }  // bytes: ConnectionSlots::bytes_for(kSlots)

    // Records `socket` as the worker's; its slot, or nullopt when every slot
    // is taken (the socket stays the caller's). `request_begun`: it goes
    // with bytes of a request another worker read (HandedSocket::preread),
    // so it holds that request from the start: a worker that dies before
    // saying otherwise leaves a request to answer 502, not a connection to
    // pass on without those bytes.
    std::optional<std::uint32_t> add(std::uint64_t id, platform::NativeDescriptor socket, bool v6,
                                     bool request_begun = false);
    // The worker closed the connection: the copy closes too.
    void closed(std::uint64_t id);
    // The worker gave the connection back: the copy is the caller's now.
    std::optional<HandedSocket> returned(std::uint64_t id, std::string leftover);

    // The worker died: a connection that held a request gets `answer` (a
    // 502) and closes; one whose response had started closes with a reset;
    // one between requests is returned, to go to the next worker. A request
    // counts as held from the first byte the worker read of it, even if the
    // worker died before it could say so (its byte count tells).
    struct Settled {
        std::vector<HandedSocket> between_requests;
        // The request lines the worker held: answered 502, or cut (reset
        // mid-response, or the client had gone).
        std::vector<std::string> answered, cut;
    };
    Settled settle(std::string_view answer);

    std::size_t size() const { return held_.size(); }

private:
    struct Held {
        platform::NativeDescriptor socket;
        std::uint32_t slot;
        bool v6;
        // What readers had taken of the client's bytes at the hand-over
        // (platform::bytes_taken): the worker counts from there.
        std::optional<std::uint64_t> taken_before;
    };
    // An idle connection whose worker read more than it recorded: it died
    // with (part of) a request it had not marked as held.
    bool read_unmarked(const Held& held, ConnectionSlots& slots) const;
    platform::SharedStateTable table_;
    std::vector<std::uint32_t> free_slots_;
    std::unordered_map<std::uint64_t, Held> held_;
};

}  // namespace isapi::host
