// Channel's members for the workers' unit tests (see fake_channel.hpp): the
// socket is never opened, sent bytes go to a record kept per Channel.
#include "fake_channel.hpp"

#include <condition_variable>
#include <map>
#include <mutex>

namespace isapi::host {

namespace {

struct Records {
    std::mutex mutex;
    std::condition_variable changed;
    // Keyed by address: Channel has no member to hold a test's record.
    std::map<const Channel*, std::string> sent;
};

Records& records() {
    static Records r;
    return r;
}

}  // namespace

Channel::Channel(boost::asio::any_io_executor executor, platform::NativeChannel)
    : socket_(executor) {
    auto& r = records();
    std::lock_guard lock(r.mutex);
    r.sent[this].clear();  // a new Channel may reuse a dead one's address
}

void Channel::start(FrameHandler on_frame, CloseHandler on_close) {
    on_frame_ = std::move(on_frame);
    on_close_ = std::move(on_close);
}

void Channel::send(std::string_view frames) {
    auto& r = records();
    {
        std::lock_guard lock(r.mutex);
        r.sent[this].append(frames);
    }
    r.changed.notify_all();
}

void Channel::close() {}
void Channel::read_more() {}
void Channel::flush_queued() {}
void Channel::fail(const std::string& reason) {
    if (auto on_close = std::move(on_close_)) on_close(reason);
}

namespace test {

namespace {

std::vector<SentFrame> parse(const std::string& bytes) {
    std::vector<SentFrame> frames;
    std::size_t consumed = 0;
    while (auto frame = ipc::next_frame(bytes, consumed))
        frames.push_back({frame->type, frame->id, std::string(frame->body)});
    return frames;
}

}  // namespace

std::shared_ptr<Channel> make_fake_channel(boost::asio::any_io_executor executor) {
    return std::make_shared<Channel>(std::move(executor), platform::kNoChannel);
}

std::vector<SentFrame> sent_frames(const Channel& channel) {
    auto& r = records();
    std::lock_guard lock(r.mutex);
    return parse(r.sent[&channel]);
}

bool wait_for_frames(const Channel& channel, std::size_t count, std::chrono::milliseconds limit) {
    auto& r = records();
    std::unique_lock lock(r.mutex);
    return r.changed.wait_for(lock, limit, [&] { return parse(r.sent[&channel]).size() >= count; });
}

}  // namespace test
}  // namespace isapi::host
