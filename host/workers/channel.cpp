#include "channel.hpp"

#include "../server/drain_aware_read.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace isapi::host {

namespace net = boost::asio;

namespace {
constexpr std::size_t kReadChunk = 64 * 1024;
}

Channel::Channel(net::any_io_executor executor, platform::NativeChannel native)
    : stream_(platform::adopt_channel_stream(executor, native)) {}

Channel::~Channel() {
    for (auto d : received_) platform::close_descriptor(d);
    for (auto& d : queued_descriptors_) platform::close_descriptor(d.descriptor);
    for (auto& d : writing_descriptors_) platform::close_descriptor(d.descriptor);
}

void Channel::start(FrameHandler on_frame, CloseHandler on_close) {
    on_frame_ = std::move(on_frame);
    on_close_ = std::move(on_close);
    net::post(stream_.get_executor(), [self = shared_from_this()] {
        if (self->receives_descriptors_) self->read_with_descriptors();
        else self->read_more();
    });
}

void Channel::read_more() {
    if (receives_descriptors_) return read_with_descriptors();
    if (in_.size() - in_size_ < kReadChunk / 2) in_.resize(std::max(in_.size() * 2, in_size_ + kReadChunk));
    async_read_drain_aware(
        stream_, net::buffer(in_.data() + in_size_, in_.size() - in_size_),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
            if (ec)
                return self->fail(platform::channel_closed_by_peer(ec) ? "the other end closed the channel"
                                                                       : ec.message());
            self->in_size_ += n;
            if (!self->deliver_frames()) return;
            self->read_more();
            if (self->on_batch_end_) self->on_batch_end_();
        });
}

bool Channel::deliver_frames() {
    std::size_t consumed = 0;
    try {
        const std::string_view data(in_.data(), in_size_);
        while (auto frame = ipc::next_frame(data, consumed)) on_frame_(*frame);
    } catch (const std::exception& e) {
        fail(std::string("bad IPC frame: ") + e.what());
        return false;
    }
    // Keep the partial frame at the front.
    in_.erase(0, consumed);
    in_size_ -= consumed;
    if (in_.size() > 4 * kReadChunk && in_size_ < kReadChunk) in_.resize(kReadChunk);
    return true;
}

// Asio's reads would drop the descriptors, so this one waits for the socket
// to be readable and reads with recvmsg until it is empty.
void Channel::read_with_descriptors() {
#ifdef _WIN32
    fail("descriptors cannot be received on Windows");
#else
    stream_.async_wait(net::socket_base::wait_read, [self = shared_from_this()](const boost::system::error_code& wait_ec) {
        if (wait_ec) return self->fail(wait_ec.message());
        for (;;) {
            if (self->in_.size() - self->in_size_ < kReadChunk / 2)
                self->in_.resize(std::max(self->in_.size() * 2, self->in_size_ + kReadChunk));
            std::error_code ec;
            std::vector<platform::NativeDescriptor> descriptors;
            const std::size_t n = platform::receive_with_descriptors(
                self->stream_.native_handle(),
                std::span<char>(self->in_.data() + self->in_size_, self->in_.size() - self->in_size_), descriptors, ec);
            self->received_.insert(self->received_.end(), descriptors.begin(), descriptors.end());
            if (ec == std::errc::operation_would_block) break;
            if (ec) return self->fail("cannot read the channel: " + ec.message());
            if (n == 0) return self->fail("the other end closed the channel");
            self->in_size_ += n;
            if (!self->deliver_frames()) return;
        }
        self->read_with_descriptors();
        if (self->on_batch_end_) self->on_batch_end_();
    });
#endif
}

platform::NativeDescriptor Channel::take_descriptor() {
    if (received_.empty()) return platform::kNoDescriptor;
    const auto d = received_.front();
    received_.pop_front();
    return d;
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

void Channel::send(std::string_view frame, platform::NativeDescriptor descriptor) {
    std::error_code ec;
    const auto copy = platform::duplicate_descriptor(descriptor, ec);
    std::lock_guard lock(write_mutex_);
    if (broken_ || copy == platform::kNoDescriptor) return platform::close_descriptor(copy);
    // Always through the queue, which keeps each descriptor with its frame.
    queued_descriptors_.push_back({queued_.size(), copy});
    queued_.append(frame);
    if (!async_writing_) {
        async_writing_ = true;
        net::post(stream_.get_executor(), [self = shared_from_this()] { self->flush_queued(); });
    }
}

void Channel::flush_queued() {
    for (;;) {
        std::unique_lock lock(write_mutex_);
        if (writing_.empty()) {
            if (broken_ || queued_.empty()) {
                async_writing_ = false;
                all_sent_.notify_all();
                return;
            }
            writing_.swap(queued_);
            queued_.clear();
            writing_descriptors_.swap(queued_descriptors_);
        }
#ifndef _WIN32
        // Most rounds fit the socket buffer: write directly, and wait
        // asynchronously only for what the kernel does not take.
        boost::system::error_code ec;
        if (write_out(ec)) continue;  // the next round, if one was queued meanwhile
        lock.unlock();
        if (ec) return write_failed();
        stream_.async_wait(net::socket_base::wait_write, [self = shared_from_this()](const boost::system::error_code& wait_ec) {
            if (wait_ec) return self->write_failed();
            self->flush_queued();
        });
        return;
#else
        lock.unlock();
        net::async_write(stream_, net::buffer(writing_), [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
            if (ec) return self->write_failed();
            self->writing_.clear();
            self->flush_queued();
        });
        return;
#endif
    }
}

#ifndef _WIN32
bool Channel::write_out(boost::system::error_code& ec) {
    std::size_t written = 0;
    while (written < writing_.size()) {
        const bool attach = !writing_descriptors_.empty() && writing_descriptors_.front().offset == written;
        std::size_t end = writing_.size();
        if (!writing_descriptors_.empty())
            end = attach ? (writing_descriptors_.size() > 1 ? writing_descriptors_[1].offset : end)
                         : writing_descriptors_.front().offset;
        const std::string_view piece(writing_.data() + written, end - written);
        std::size_t n = 0;
        if (attach) {
            std::error_code os_ec;
            n = platform::send_with_descriptor(stream_.native_handle(), piece, writing_descriptors_.front().descriptor, os_ec);
            if (os_ec && os_ec != std::errc::operation_would_block) ec = boost::system::error_code(os_ec.value(), boost::system::system_category());
            if (n > 0) {
                platform::close_descriptor(writing_descriptors_.front().descriptor);
                writing_descriptors_.pop_front();
            }
        } else {
            n = stream_.write_some(net::buffer(piece.data(), piece.size()), ec);
            if (ec == net::error::would_block || ec == net::error::try_again) ec = {};
        }
        if (ec) return false;
        if (n == 0) break;
        written += n;
    }
    writing_.erase(0, written);
    for (auto& d : writing_descriptors_) d.offset -= written;
    return writing_.empty();
}

#else
bool Channel::write_out(boost::system::error_code&) { return false; }  // no descriptors on Windows
#endif

// Once: the stream is broken. The read side notices and reports the end.
void Channel::write_failed() {
    {
        std::lock_guard lock(write_mutex_);
        broken_ = true;
        async_writing_ = false;
    }
    all_sent_.notify_all();
    platform::shutdown_channel_stream(stream_);
}

bool Channel::wait_sent(std::chrono::milliseconds limit) {
    std::unique_lock lock(write_mutex_);
    return all_sent_.wait_for(lock, limit, [&] { return broken_ || (!async_writing_ && queued_.empty()); });
}

void Channel::close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { platform::shutdown_channel_stream(self->stream_); });
}

}  // namespace isapi::host
