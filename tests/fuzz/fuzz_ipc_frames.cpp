// The worker IPC decoder on an arbitrary byte stream, as a front end or a
// worker reads it from the socket: frames taken off one by one, each body
// decoded by its type. The documented failure is std::runtime_error (a frame
// too long, a body shorter than its fields); anything else escaping, or a
// read outside the buffer, is a finding. A decoded request or outcome must
// also survive encode -> decode unchanged.
#include "fuzz_check.hpp"
#include "workers/ipc_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ipc = isapi::host::ipc;

namespace {

// encode(decode(x)) is a fixed point: decoding those bytes and encoding again
// gives the same bytes, and the decoder reads exactly what the encoder wrote.
template <typename Value, typename Encode, typename Decode>
void check_round_trip(const Value& value, Encode encode, Decode decode) {
    std::string first;
    ipc::FrameBuilder builder(first);
    builder.begin(ipc::FrameType::request, 1);
    encode(builder, value);
    builder.end();

    std::size_t consumed = 0;
    const auto frame = ipc::next_frame(first, consumed);
    FUZZ_REQUIRE(frame.has_value());
    FUZZ_REQUIRE(consumed == first.size());
    ipc::BodyReader reader(frame->body);
    const Value again = decode(reader);
    FUZZ_REQUIRE(reader.rest().empty());

    std::string second;
    ipc::FrameBuilder rebuilder(second);
    rebuilder.begin(ipc::FrameType::request, 1);
    encode(rebuilder, again);
    rebuilder.end();
    FUZZ_REQUIRE(first == second);
}

void decode_body(const ipc::Frame& frame) {
    ipc::BodyReader body(frame.body);
    switch (frame.type) {
        case ipc::FrameType::request:
            check_round_trip(ipc::decode_request(body), ipc::encode_request, ipc::decode_request);
            break;
        case ipc::FrameType::done:
            check_round_trip(ipc::decode_outcome(body), ipc::encode_outcome, ipc::decode_outcome);
            break;
        case ipc::FrameType::ready:
            body.u32(), body.str(), body.str();
            break;
        case ipc::FrameType::send: body.u8(), body.rest(); break;
        case ipc::FrameType::ack:
        case ipc::FrameType::drained: body.u8(); break;
        case ipc::FrameType::read:
        case ipc::FrameType::ping:
        case ipc::FrameType::pong: body.u64(); break;
        case ipc::FrameType::finish: body.u8(), body.u8(); break;
        case ipc::FrameType::unhealthy: body.str(), body.str(); break;
        case ipc::FrameType::standing_by: body.u32(), body.str(); break;
        default: body.rest(); break;  // config and event carry JSON; body carries raw bytes
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view stream(reinterpret_cast<const char*>(data), size);
    std::size_t consumed = 0;
    try {
        while (true) {
            const std::size_t before = consumed;
            const auto frame = ipc::next_frame(stream, consumed);
            if (!frame) {
                FUZZ_REQUIRE(consumed == before);
                // Only a partial frame is left: its header or its body is short.
                FUZZ_REQUIRE(stream.size() - consumed < ipc::kFrameHeaderSize + ipc::kMaxFrameBody);
                break;
            }
            FUZZ_REQUIRE(frame->body.size() <= ipc::kMaxFrameBody);
            FUZZ_REQUIRE(consumed == before + ipc::kFrameHeaderSize + frame->body.size());
            FUZZ_REQUIRE(frame->body.data() == stream.data() + before + ipc::kFrameHeaderSize);
            try {
                decode_body(*frame);
            } catch (const std::runtime_error&) {
                // A body shorter than its fields: the reader refused it in bounds.
            }
        }
    } catch (const std::runtime_error&) {
        // A frame longer than kMaxFrameBody: the stream is dropped.
    }
    return 0;
}
