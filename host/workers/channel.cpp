#include "channel.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace isapi::host {

namespace net = boost::asio;

namespace {
constexpr std::size_t kReadChunk = 64 * 1024;
}

Channel::Channel(net::any_io_executor executor, platform::NativeChannel native)
    : stream_(platform::adopt_channel_stream(executor, native)) {}

void Channel::start(FrameHandler on_frame, CloseHandler on_close) {
    on_frame_ = std::move(on_frame);
    on_close_ = std::move(on_close);
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->read_more(); });
}

void Channel::read_more() {
    if (in_.size() - in_size_ < kReadChunk / 2) in_.resize(std::max(in_.size() * 2, in_size_ + kReadChunk));
    stream_.async_read_some(
        net::buffer(in_.data() + in_size_, in_.size() - in_size_),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
            if (ec)
                return self->fail(platform::channel_closed_by_peer(ec) ? "the other end closed the channel"
                                                                       : ec.message());
            self->in_size_ += n;
            std::size_t consumed = 0;
            try {
                const std::string_view data(self->in_.data(), self->in_size_);
                while (auto frame = ipc::next_frame(data, consumed)) self->on_frame_(*frame);
            } catch (const std::exception& e) {
                return self->fail(std::string("bad IPC frame: ") + e.what());
            }
            // Keep the partial frame at the front.
            self->in_.erase(0, consumed);
            self->in_size_ -= consumed;
            if (self->in_.size() > 4 * kReadChunk && self->in_size_ < kReadChunk) self->in_.resize(kReadChunk);
            self->read_more();
            if (self->on_batch_end_) self->on_batch_end_();
        });
}

// Runs on the executor, once: only the read side reports the end.
void Channel::fail(const std::string& reason) {
    {
        std::lock_guard lock(write_mutex_);
        broken_ = true;
        queued_.clear();
    }
    boost::system::error_code ignored;
    stream_.close(ignored);
    if (auto on_close = std::move(on_close_)) on_close(reason);
}

void Channel::send(std::string_view frames) {
    std::lock_guard lock(write_mutex_);
    if (broken_) return;
    if (platform::kChannelWriteSomeNeverBlocks && !async_writing_ && queued_.empty() && !coalescing_) {
        boost::system::error_code ec;
        const std::size_t n = stream_.write_some(net::buffer(frames.data(), frames.size()), ec);
        if (ec && ec != net::error::would_block && ec != net::error::try_again) {
            // The read side notices the broken stream (the peer is gone) and reports it.
            broken_ = true;
            return;
        }
        frames.remove_prefix(n);
        if (frames.empty()) return;
    }
    queued_.append(frames);
    if (!async_writing_) {
        async_writing_ = true;
        net::post(stream_.get_executor(), [self = shared_from_this()] { self->flush_queued(); });
    }
}

void Channel::flush_queued() {
    {
        std::lock_guard lock(write_mutex_);
        if (broken_ || queued_.empty()) {
            async_writing_ = false;
            all_sent_.notify_all();
            return;
        }
        writing_.swap(queued_);
        queued_.clear();
        // Most rounds fit the socket buffer: write directly, and wait
        // asynchronously only for what the kernel does not take.
        if constexpr (platform::kChannelWriteSomeNeverBlocks) {
            boost::system::error_code ec;
            const std::size_t n = stream_.write_some(net::buffer(writing_), ec);
            if (!ec || ec == net::error::would_block || ec == net::error::try_again) writing_.erase(0, ec ? 0 : n);
            if (writing_.empty()) {
                async_writing_ = false;
                all_sent_.notify_all();
                return;
            }
        }
    }
    net::async_write(stream_, net::buffer(writing_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
        if (ec) {
            {
                std::lock_guard lock(self->write_mutex_);
                self->broken_ = true;
                self->async_writing_ = false;
            }
            self->all_sent_.notify_all();
            // Wake the read side, which reports the end.
            platform::shutdown_channel_stream(self->stream_);
            return;
        }
        self->writing_.clear();
        self->flush_queued();
    });
}

bool Channel::wait_sent(std::chrono::milliseconds limit) {
    std::unique_lock lock(write_mutex_);
    return all_sent_.wait_for(lock, limit, [&] { return broken_ || (!async_writing_ && queued_.empty()); });
}

void Channel::close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { platform::shutdown_channel_stream(self->stream_); });
}

}  // namespace isapi::host
