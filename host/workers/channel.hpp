#pragma once
// One end of the front end <-> worker byte stream, carrying ipc frames (the
// platform's channel stream: a socket pair on POSIX, a named pipe on
// Windows). Sending is thread-safe and never blocks: where the OS allows a
// write that never blocks, the calling thread writes straight to the stream
// while nothing is queued (the cheap path, no thread hop); whatever is not
// taken at once is queued and written by the io_context. Frames are read on
// the io_context and handed to one handler.
#include "ipc_codec.hpp"

#include <isapi/platform/channel_stream.hpp>
#include <isapi/platform/connection_handoff.hpp>
#include <isapi/platform/process.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace isapi::host {

class Channel : public std::enable_shared_from_this<Channel> {
public:
    using FrameHandler = std::function<void(const ipc::Frame&)>;
    using CloseHandler = std::function<void(const std::string& reason)>;

    // Takes ownership of `native`.
    Channel(boost::asio::any_io_executor executor, platform::NativeChannel native);
    // Closes the descriptors that were never sent or never taken.
    ~Channel();

    // Starts reading. `on_frame` runs for each frame, in order, on the
    // executor; `on_close` runs once when the stream ends or breaks (after
    // which sends are dropped). A handler that throws closes the channel.
    void start(FrameHandler on_frame, CloseHandler on_close);

    // Runs on the reading thread after each batch of frames, once the next
    // read is already under way: with several threads running the executor,
    // another one reads the next frames while this one does slow work.
    void set_batch_end(std::function<void()> on_batch_end) { on_batch_end_ = std::move(on_batch_end); }

    // Queues complete frames (one or more) for the other end. Thread-safe.
    void send(std::string_view frames);

    // Queues `frame` with a copy of `descriptor` attached to its first byte
    // (--handoff; POSIX only): the other end takes it with
    // take_descriptor() when the frame arrives. Thread-safe.
    void send(std::string_view frame, platform::NativeDescriptor descriptor);

    // Reads with descriptors (the worker, with --handoff): each arrives no
    // later than the frame it was sent with. From the next read on: the
    // other end must not send a descriptor before it learns of the switch.
    void set_receives_descriptors(bool on) { receives_descriptors_ = on; }
    // The oldest descriptor received and not taken yet (kNoDescriptor if
    // none); on the reading thread, from a frame handler.
    platform::NativeDescriptor take_descriptor();

    // Coalescing (the front end, whose one I/O thread forwards many
    // requests per epoll round): send() only queues, and one write per round
    // of the executor carries everything queued, instead of one per frame.
    void set_coalescing(bool on) { coalescing_ = on; }

    // Closes the stream; the read side then reports on_close.
    void close();

    // Waits until everything sent so far has been handed to the OS (or the
    // stream broke), up to `limit`; false when the time ran out. For a
    // process about to end with _Exit while the executor still runs on
    // another thread: on Windows every write is queued for the executor, and
    // queued bytes die with the process.
    bool wait_sent(std::chrono::milliseconds limit);


private:
    void read_more();
    void read_with_descriptors();
    // Hands whole frames of the bytes read so far to the handler; false when
    // a handler or a frame failed (the channel has closed then).
    bool deliver_frames();
    void flush_queued();  // on the executor
    // Writes what writing_ holds without blocking, the descriptors with
    // their bytes; false when the OS took only part (or failed: ec).
    bool write_out(boost::system::error_code& ec);
    void write_failed();
    void fail(const std::string& reason);

    platform::ChannelStream stream_;
    FrameHandler on_frame_;
    CloseHandler on_close_;
    std::function<void()> on_batch_end_;
    std::string in_;
    std::size_t in_size_ = 0;
    bool receives_descriptors_ = false;
    std::deque<platform::NativeDescriptor> received_;  // not taken yet

    // A descriptor to send, at `offset` into the bytes it is queued with.
    struct OutgoingDescriptor {
        std::size_t offset;
        platform::NativeDescriptor descriptor;  // the channel's own copy
    };

    mutable std::mutex write_mutex_;
    std::condition_variable all_sent_;  // async_writing_ became false
    std::string queued_;      // bytes not yet handed to the kernel
    std::string writing_;     // bytes an async write owns
    std::deque<OutgoingDescriptor> queued_descriptors_, writing_descriptors_;
    bool async_writing_ = false;
    bool broken_ = false;
    bool coalescing_ = false;
};

}  // namespace isapi::host
