#pragma once
// The wire format between the front end and a worker process: length-prefixed
// binary frames over one byte stream (an AF_UNIX socket on POSIX, a named
// pipe on Windows). Both ends run on the same machine from the same build, so
// integers travel in native byte order and no version negotiation is needed.
//
//   u32 body length | u8 type | u64 request id | body
//
// Request id 0 addresses the worker itself (config, ping, drain, events).
#include <isapi/ecb/dispatch.hpp>
#include <isapi/ecb/request.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace isapi::host::ipc {

enum class FrameType : std::uint8_t {
    // front end -> worker
    config = 1,       // body: WorkerConfig JSON; the first frame a worker gets
    request = 2,      // body: an ecb::Request
    body = 3,         // body bytes the worker asked for; empty: the body ended
    body_failed = 4,  // the client went away while the worker waited for body bytes
    ack = 5,          // the response bytes sent with want_ack reached the client (u8 ok)
    client_gone = 6,  // the client connection closed
    ping = 7,         // u64 sequence
    drain = 8,        // stop: finish every request, TerminateExtension, unload, exit
    activate = 9,     // a standby worker takes over: preload (with --preload), then answer ready
    // --handoff, once the worker is ready (each carries one descriptor; drain
    // gives every connection back first, each at its next point between requests):
    states = 10,      // u32 bytes: the connection table (connection_slots.hpp), shared memory; before any connection
    connection = 11,  // id: the connection; u32 state slot, u8 IPv6, str bytes read from it already; the socket
    // worker -> front end
    ready = 32,       // u32 pid, str preload failures (empty: none), str shadow folder: config applied
    send = 33,        // u8 want_ack, then response bytes
    read = 34,        // u64 most bytes wanted
    finish = 35,      // u8 keep_alive, u8 abortive: the response is complete
    done = 36,        // an ecb::Outcome: the request is over (status, bytes, log)
    event = 37,       // JSON: a module event or a finding
    pong = 38,        // u64 sequence
    drained = 39,     // u8 ok (every request finished in time); the worker exits next
    unhealthy = 40,   // str module, str reason: HSE_REQ_REPORT_UNHEALTHY, asking for a recycle
    standing_by = 41, // u32 pid, str shadow folder: a standby's config applied, nothing loaded; waits for activate
    // --handoff, about connections the worker got with `connection` frames:
    closed = 42,      // id: the worker closed it; u8 abortive
    returned = 43,    // id: given back between requests (hand_back); str bytes read past the last request
    served = 44,      // requests that ended: u32 count, then per request u16 status, u64 nanoseconds,
                      // u32 mapping index + 1 (0: none), str build SHA-256; then str access log lines,
                      // u32 requests read and not yet served
};

inline constexpr std::size_t kFrameHeaderSize = 4 + 1 + 8;
// No frame is larger: responses and bodies travel in pieces of at most this.
inline constexpr std::size_t kMaxFrameBody = 16 * 1024 * 1024;

// Appends frames to a byte string.
class FrameBuilder {
public:
    explicit FrameBuilder(std::string& out) : out_(out) {}

    // Starts a frame; finish it with end() after appending its body.
    FrameBuilder& begin(FrameType type, std::uint64_t id);
    FrameBuilder& u8(std::uint8_t value);
    FrameBuilder& u16(std::uint16_t value);
    FrameBuilder& u32(std::uint32_t value);
    FrameBuilder& u64(std::uint64_t value);
    FrameBuilder& str(std::string_view value);  // u32 length + bytes
    FrameBuilder& raw(std::string_view value);  // bytes, to the end of the frame
    void end();

private:
    std::string& out_;
    std::size_t start_ = 0;
};

struct Frame {
    FrameType type{};
    std::uint64_t id = 0;
    std::string_view body;
};

// Takes the first complete frame off `buffer` (advancing `consumed`), or
// nullopt when more bytes are needed. Throws std::runtime_error on a frame
// longer than kMaxFrameBody: the stream is corrupt and must be dropped.
std::optional<Frame> next_frame(std::string_view buffer, std::size_t& consumed);

// Reads a frame body field by field; every read checks the bounds and throws
// std::runtime_error past the end.
class BodyReader {
public:
    explicit BodyReader(std::string_view body) : rest_(body) {}
    std::uint8_t u8();
    std::uint16_t u16();
    std::uint32_t u32();
    std::uint64_t u64();
    std::string str();
    std::string_view rest();  // everything left

private:
    std::string_view take(std::size_t n);
    std::string_view rest_;
};

void encode_request(FrameBuilder& frame, const ecb::Request& request);
ecb::Request decode_request(BodyReader& body);

void encode_outcome(FrameBuilder& frame, const ecb::Outcome& outcome);
ecb::Outcome decode_outcome(BodyReader& body);

}  // namespace isapi::host::ipc
