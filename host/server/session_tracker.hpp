#pragma once
// How a session reports on a connection that another process accepted and
// still holds a copy of (isapi-host --handoff: the front end accepts, a
// worker serves). That process learns from the state whether the session
// held a request when its worker died (it then answers 502 itself), and
// from closed() or handed_back() when it may let its copy go. The front end
// tracks its own sessions too, for handed_back() alone: it relays a
// connection's first request and passes the connection on once kept alive.
#include <cstdint>
#include <string>
#include <string_view>

namespace isapi::host {

enum class SessionState : std::uint8_t {
    idle = 0,        // waiting for a request; no byte of one read yet
    busy = 1,        // a request was read, and no response byte went out
    responding = 2,  // response bytes went out: a failure can only close
};

class SessionTracker {
public:
    virtual ~SessionTracker() = default;
    // Any thread; cheap (a store), several times per request. `bytes_read`:
    // every byte the session has read from the socket so far. Recorded with
    // idle, it lets the other process tell, once this one has died, whether
    // it died having read bytes of a request it never got to mark busy.
    virtual void state(SessionState state, std::uint64_t bytes_read) = 0;
    // The request the connection holds from now (before state(busy)), for
    // the report if the process dies.
    virtual void request(std::string_view method, std::string_view target) = 0;
    // Response bytes are held back (corked) until the end of the I/O batch,
    // or no longer are: while they are, the connection counts as
    // responding whatever state() says, since the session may already wait
    // for the next request while the client still lacks this response.
    virtual void bytes_pending(bool pending) = 0;
    // The session closed the connection (once; abortive: a reset).
    virtual void closed(bool abortive) = 0;
    // The session gave the connection up between requests, as asked
    // (HttpSession::hand_back), with the bytes it had read past the last
    // request (the start of the next one, if any), and its descriptor of
    // the socket, out of its reactor and now the tracker's to close or pass
    // on (-1 if it could not be taken out). Once, instead of closed().
    virtual void handed_back(std::string leftover, std::intptr_t descriptor) = 0;
};

}  // namespace isapi::host
