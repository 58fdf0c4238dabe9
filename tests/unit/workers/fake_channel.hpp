#pragma once
// A Channel with no socket behind it, for the workers' unit tests.
//
// IpcTransport, FrameBatch and WorkerProcess hold a concrete Channel
// (host/workers/channel.hpp), which owns an AF_UNIX socket; there is no
// interface to put a fake behind. So workers_tests links fake_channel.cpp,
// which defines every member of Channel, and the linker never takes
// channel.cpp from the host library (a link seam: a missed member would show
// as a duplicate symbol, not as a silent mix). Each Channel records the
// frames it is sent; a test reads them here, and plays the other end by
// delivering frames to the handlers start() installed.
#include <workers/channel.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace isapi::host::test {

// One frame as the other end would have read it, owning its body.
struct SentFrame {
    ipc::FrameType type{};
    std::uint64_t id = 0;
    std::string body;
};

// A Channel that records instead of writing; it runs nothing on `executor`.
std::shared_ptr<Channel> make_fake_channel(boost::asio::any_io_executor executor);

// The frames `channel` was sent so far, in order.
std::vector<SentFrame> sent_frames(const Channel& channel);
// The same for the Channel made over `native` (the handle a spawn returned).
std::vector<SentFrame> sent_frames(platform::NativeChannel native);

// Waits until `channel` has been sent at least `count` frames; false if
// that has not happened by `limit`.
bool wait_for_frames(const Channel& channel, std::size_t count,
                     std::chrono::milliseconds limit = std::chrono::seconds(5));
// Waits until the Channel over `native` has been sent a frame of `type`.
bool wait_for_frame(platform::NativeChannel native, ipc::FrameType type,
                    std::chrono::milliseconds limit = std::chrono::seconds(5));

// As if the other end wrote `frames`: the handlers run on the Channel's
// executor, and a handler that throws closes the Channel, as a real one does.
// Waits (a few seconds at most) for that Channel to be made and started.
void deliver(platform::NativeChannel native, std::string frames);
// As if the other end closed its end.
void close_other_end(platform::NativeChannel native);

}  // namespace isapi::host::test
