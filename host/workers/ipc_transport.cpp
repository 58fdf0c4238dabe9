#include "ipc_transport.hpp"

#include <cstring>

namespace isapi::host {

namespace {
thread_local FrameBatch* t_batch = nullptr;
}  // namespace

FrameBatch::FrameBatch(Channel& channel) : channel_(channel), outer_(t_batch) {
    if (outer_) flush();
    t_batch = this;
}

FrameBatch::~FrameBatch() {
    flush();
    t_batch = outer_;
}

bool FrameBatch::add(std::string_view frames) {
    if (!t_batch) return false;
    t_batch->frames_.append(frames);
    return true;
}

void FrameBatch::flush() {
    if (!t_batch || t_batch->frames_.empty()) return;
    t_batch->channel_.send(t_batch->frames_);
    t_batch->frames_.clear();
}

void IpcTransport::send_closing(std::string_view frames) {
    if (!FrameBatch::add(frames)) channel_->send(frames);
}

template <class Predicate>
void IpcTransport::wait_for_client(std::unique_lock<std::mutex>& lock, Predicate done) {
    if (done()) return;
    if (waits_) {
        lock.unlock();
        waits_->waiting_for_client();
        lock.lock();
    }
    changed_.wait(lock, done);
    if (!waits_) return;
    lock.unlock();
    waits_->client_answered();
    lock.lock();
}

bool IpcTransport::send(std::span<const std::string_view> pieces) { return send_frames(pieces, false); }

bool IpcTransport::send_final(std::span<const std::string_view> pieces) { return send_frames(pieces, true); }

bool IpcTransport::send_frames(std::span<const std::string_view> pieces, bool final) {
    if (!connected()) return false;
    std::size_t total = 0;
    for (auto piece : pieces) total += piece.size();
    if (total == 0) return true;
    unacked_ += total;
    const bool want_ack = unacked_ >= kAckWindow;
    // A large send goes in several frames; only the last asks for the ack.
    constexpr std::size_t kChunk = ipc::kMaxFrameBody / 2;
    std::string frames;
    frames.reserve(total + ipc::kFrameHeaderSize + 1);
    ipc::FrameBuilder frame(frames);
    std::size_t left = total, in_frame = 0;
    auto open_frame = [&] {
        const std::size_t size = std::min(left, kChunk);
        frame.begin(ipc::FrameType::send, id_).u8(want_ack && size == left);
        in_frame = size;
    };
    open_frame();
    for (auto piece : pieces) {
        while (!piece.empty()) {
            if (in_frame == 0) {
                frame.end();
                open_frame();
            }
            const auto n = std::min(piece.size(), in_frame);
            frame.raw(piece.substr(0, n));
            piece.remove_prefix(n);
            in_frame -= n;
            left -= n;
        }
    }
    frame.end();
    if (want_ack) {
        std::lock_guard lock(mutex_);
        ack_pending_ = true;
    }
    // Bytes that more bytes or a wait may follow go out now, in order.
    if (final && !want_ack && FrameBatch::add(frames)) return connected();
    FrameBatch::flush();
    channel_->send(frames);
    if (!want_ack) return connected();
    std::unique_lock lock(mutex_);
    wait_for_client(lock, [&] { return !ack_pending_; });
    unacked_ = 0;
    return connected();
}

std::optional<std::size_t> IpcTransport::receive(std::span<char> buffer) {
    if (buffer.empty()) return 0;
    {
        std::lock_guard lock(mutex_);
        read_pending_ = true;
        read_buffer_ = buffer;
        read_result_.reset();
    }
    std::string frame_bytes;
    ipc::FrameBuilder(frame_bytes).begin(ipc::FrameType::read, id_).u64(buffer.size()).end();
    FrameBatch::flush();
    channel_->send(frame_bytes);
    std::unique_lock lock(mutex_);
    wait_for_client(lock, [&] { return !read_pending_; });
    return read_result_;
}

void IpcTransport::finish(bool keep_alive, bool abortive) {
    std::string frame_bytes;
    ipc::FrameBuilder(frame_bytes).begin(ipc::FrameType::finish, id_).u8(keep_alive).u8(abortive).end();
    send_closing(frame_bytes);
}

void IpcTransport::on_ack(bool ok) {
    if (!ok) connected_ = false;
    std::lock_guard lock(mutex_);
    ack_pending_ = false;
    changed_.notify_all();
}

void IpcTransport::on_body(std::string_view bytes, bool failed) {
    std::lock_guard lock(mutex_);
    if (!read_pending_) return;  // an answer to nothing: ignore
    if (failed) {
        read_result_.reset();
    } else {
        const auto n = std::min(bytes.size(), read_buffer_.size());
        std::memcpy(read_buffer_.data(), bytes.data(), n);
        read_result_ = n;
    }
    read_pending_ = false;
    changed_.notify_all();
}

void IpcTransport::on_client_gone() {
    connected_ = false;
    // Whoever waits for the front end's answer gets a failure now.
    std::lock_guard lock(mutex_);
    if (read_pending_) {
        read_result_.reset();
        read_pending_ = false;
    }
    ack_pending_ = false;
    changed_.notify_all();
}

}  // namespace isapi::host
