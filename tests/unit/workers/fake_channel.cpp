// Channel's members for the workers' unit tests (see fake_channel.hpp): the
// socket is never opened; sent bytes and the handlers go to a record kept
// per Channel.
#include "fake_channel.hpp"

#include <boost/asio/post.hpp>

#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>

namespace isapi::host {

namespace {

struct Record {
    platform::NativeChannel native = platform::kNoChannel;
    // Never destroyed: records outlive their test's io_context, and an
    // executor (a strand holds its service) must not be destroyed after it,
    // as it would be when a new Channel reuses a dead one's address or at exit.
    boost::asio::any_io_executor* executor = nullptr;
    std::string sent;
    Channel::FrameHandler on_frame;
    Channel::CloseHandler on_close;  // empty once it has run
};

struct Records {
    std::mutex mutex;
    std::condition_variable changed;
    // Keyed by address: Channel has no member to hold a test's record.
    std::map<const Channel*, Record> by_channel;

    Record* find(platform::NativeChannel native) {
        for (auto& [channel, record] : by_channel)
            if (record.native == native) return &record;
        return nullptr;
    }
};

Records& records() {
    static Records* const r = new Records;  // never destroyed, for the executors' sake (see Record)
    return *r;
}

std::vector<test::SentFrame> parse(const std::string& bytes) {
    std::vector<test::SentFrame> frames;
    std::size_t consumed = 0;
    while (auto frame = ipc::next_frame(bytes, consumed))
        frames.push_back({frame->type, frame->id, std::string(frame->body)});
    return frames;
}

// Runs the close handler of the record for `native` once, on its executor.
void close_record(platform::NativeChannel native, std::string reason) {
    auto& r = records();
    std::lock_guard lock(r.mutex);
    Record* record = r.find(native);
    if (!record || !record->on_close) return;
    boost::asio::post(*record->executor, [on_close = std::move(record->on_close), reason] { on_close(reason); });
    record->on_close = nullptr;
}

}  // namespace

Channel::Channel(boost::asio::any_io_executor executor, platform::NativeChannel native) : stream_(executor) {
    auto& r = records();
    std::lock_guard lock(r.mutex);
    // A new Channel may reuse a dead one's address, or a handle number.
    if (Record* old = r.find(native); old && native != platform::kNoChannel) old->native = platform::kNoChannel;
    r.by_channel[this] = Record{native, new boost::asio::any_io_executor(executor), {}, {}, {}};
}

void Channel::start(FrameHandler on_frame, CloseHandler on_close) {
    auto& r = records();
    {
        std::lock_guard lock(r.mutex);
        r.by_channel[this].on_frame = std::move(on_frame);
        r.by_channel[this].on_close = std::move(on_close);
    }
    r.changed.notify_all();
}

void Channel::send(std::string_view frames) {
    auto& r = records();
    {
        std::lock_guard lock(r.mutex);
        r.by_channel[this].sent.append(frames);
    }
    r.changed.notify_all();
}

Channel::~Channel() = default;

// The descriptor stays the caller's: no test hands connections over here.
void Channel::send(std::string_view frame, platform::NativeDescriptor) { send(frame); }

platform::NativeDescriptor Channel::take_descriptor() { return platform::kNoDescriptor; }

void Channel::close() {
    const platform::NativeChannel native = [&] {
        auto& r = records();
        std::lock_guard lock(r.mutex);
        return r.by_channel[this].native;
    }();
    close_record(native, "this end closed the channel");
}

void Channel::read_more() {}
void Channel::flush_queued() {}
void Channel::fail(const std::string&) {}

namespace test {

std::shared_ptr<Channel> make_fake_channel(boost::asio::any_io_executor executor) {
    return std::make_shared<Channel>(std::move(executor), platform::kNoChannel);
}

std::vector<SentFrame> sent_frames(const Channel& channel) {
    auto& r = records();
    std::lock_guard lock(r.mutex);
    return parse(r.by_channel[&channel].sent);
}

std::vector<SentFrame> sent_frames(platform::NativeChannel native) {
    auto& r = records();
    std::lock_guard lock(r.mutex);
    const Record* record = r.find(native);
    return record ? parse(record->sent) : std::vector<SentFrame>{};
}

bool wait_for_frames(const Channel& channel, std::size_t count, std::chrono::milliseconds limit) {
    auto& r = records();
    std::unique_lock lock(r.mutex);
    return r.changed.wait_for(lock, limit, [&] { return parse(r.by_channel[&channel].sent).size() >= count; });
}

bool wait_for_frame(platform::NativeChannel native, ipc::FrameType type, std::chrono::milliseconds limit) {
    auto& r = records();
    std::unique_lock lock(r.mutex);
    return r.changed.wait_for(lock, limit, [&] {
        const Record* record = r.find(native);
        if (!record) return false;
        for (const auto& frame : parse(record->sent))
            if (frame.type == type) return true;
        return false;
    });
}

void deliver(platform::NativeChannel native, std::string frames) {
    auto& r = records();
    std::unique_lock lock(r.mutex);
    // The test may answer a spawn before its Channel is made: wait for it.
    Record* record = nullptr;
    r.changed.wait_for(lock, std::chrono::seconds(5), [&] {
        record = r.find(native);
        return record && record->on_frame;
    });
    if (!record || !record->on_frame) throw std::runtime_error("no started channel to deliver to");
    boost::asio::post(*record->executor, [native, on_frame = record->on_frame, frames = std::move(frames)] {
        try {
            std::size_t consumed = 0;
            while (auto frame = ipc::next_frame(frames, consumed)) on_frame(*frame);
        } catch (const std::exception& e) {
            close_record(native, std::string("bad IPC frame: ") + e.what());
        }
    });
}

void close_other_end(platform::NativeChannel native) { close_record(native, "the other end closed the channel"); }

}  // namespace test
}  // namespace isapi::host
