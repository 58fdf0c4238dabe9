#pragma once
// A client connection as the dispatchers see it. In process the ECB emulator
// drives it through the blocking ecb::Transport calls from a pool thread; a
// worker-process front end relays a worker's frames through the non-blocking
// calls below, on its I/O thread, which must never wait.
#include <isapi/ecb/transport.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace isapi::host {

class ClientConnection : public ecb::Transport {
public:
    // Queues response bytes; they go out in order. `written` (may be empty)
    // runs once they are with the kernel, with false if the client is gone.
    virtual void send_async(std::string bytes, std::function<void(bool ok)> written) = 0;

    // Reads up to `max` body bytes past the preloaded ones: "" at the end of
    // the body, nullopt on failure.
    virtual void receive_async(std::size_t max, std::function<void(std::optional<std::string>)> received) = 0;

    // finish(), once every queued send is written.
    virtual void finish_async(bool keep_alive, bool abortive) = 0;

    // Whether any response byte has been queued for this request: after
    // that, a failure can only close the connection, not answer it.
    virtual bool response_started() const = 0;

    // Calls `gone` (on the connection's strand) if the client closes or
    // resets the connection before this request ends, as HTTP.sys tells IIS
    // of a client that left, so a relayed request stops holding a slot.
    // Best effort: once the client sends more bytes, its close goes unseen.
    virtual void notify_when_gone(std::function<void()> gone) = 0;
};

}  // namespace isapi::host
