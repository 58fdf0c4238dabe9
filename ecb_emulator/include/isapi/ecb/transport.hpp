#pragma once
// The seam between the ECB emulator and whatever carries bytes to the client:
// a socket in isapi-host, an IPC channel in a worker, a string in a unit test.
// The emulator produces complete HTTP/1.1 response bytes (status line, headers,
// chunked framing); a Transport only moves them.
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace isapi::ecb {

class Transport {
public:
    virtual ~Transport() = default;

    // Sends response bytes, blocking the calling (pool) thread until they are
    // written. Returns false once the client is gone; later sends keep failing.
    virtual bool send(std::span<const std::string_view> pieces) = 0;

    // send() for the bytes that complete the response (its framed body is
    // whole, or the request is finishing): nothing but finish() can follow,
    // so a transport may hold them to go out together with the end of the
    // response. A socket gains nothing from that; a worker's IPC channel
    // saves a write per request.
    virtual bool send_final(std::span<const std::string_view> pieces) { return send(pieces); }

    // Sends now whatever send_final() and finish() held back. The emulator
    // calls it when a request ended while the extension's call goes on
    // (DONE_WITH_SESSION inside HttpExtensionProc): the end of the response
    // must not wait for that call to return.
    virtual void flush() {}

    // Reads request body bytes that follow Request::preloaded_body, blocking.
    // Returns the count read, 0 at the end of the body, nullopt on failure.
    virtual std::optional<std::size_t> receive(std::span<char> buffer) = 0;

    // True while the client connection is open (HSE_REQ_IS_CONNECTED).
    virtual bool connected() const = 0;

    // Called exactly once, when the response is complete. keep_alive false
    // closes the connection; abortive closes it with a reset.
    virtual void finish(bool keep_alive, bool abortive) = 0;
};

}  // namespace isapi::ecb
