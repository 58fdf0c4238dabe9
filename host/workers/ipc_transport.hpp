#pragma once
// A request's ecb::Transport inside a worker process: response bytes, body
// reads and the end of the response become frames to the front end, which
// owns the client connection. Blocking calls (a sync ReadClient, a large
// WriteClient) wait on this object for the front end's answer, which the
// worker's channel reader delivers.
//
// Flow control: a request may have kAckWindow response bytes in flight to the
// front end; the send that crosses the window asks for an acknowledgement and
// waits until the client has taken the bytes, so a huge response never piles
// up in the front end's memory, while a small one costs no round trip.
#include "channel.hpp"

#include <isapi/ecb/transport.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace isapi::host {

// While a worker's pool thread runs a request, the frames that end it (the
// final response bytes, FINISH, DONE) gather here and go to the front end in
// one write when the task ends: one syscall per request instead of three.
// Frames that may be followed by a wait (ordinary sends, reads) flush it.
class FrameBatch {
public:
    explicit FrameBatch(Channel& channel);
    ~FrameBatch();  // flushes
    FrameBatch(const FrameBatch&) = delete;
    FrameBatch& operator=(const FrameBatch&) = delete;

    // Adds to this thread's open batch; false when none is open.
    static bool add(std::string_view frames);
    // Writes this thread's open batch now, if any.
    static void flush();

private:
    Channel& channel_;
    std::string frames_;
    FrameBatch* outer_;
};

// Told when a thread starts and stops waiting for the front end's answer
// (body bytes, an acknowledgement): that wait lasts as long as the client
// takes, so the worker gives the thread's request slot to others meanwhile.
class ClientWaitObserver {
public:
    virtual void waiting_for_client() = 0;
    virtual void client_answered() = 0;

protected:
    ~ClientWaitObserver() = default;
};

class IpcTransport final : public ecb::Transport {
public:
    static constexpr std::size_t kAckWindow = 256 * 1024;

    IpcTransport(std::uint64_t id, std::shared_ptr<Channel> channel, ClientWaitObserver* waits = nullptr)
        : id_(id), channel_(std::move(channel)), waits_(waits) {}

    bool send(std::span<const std::string_view> pieces) override;
    bool send_final(std::span<const std::string_view> pieces) override;
    // The calling thread's batch (the request ended inside its extension
    // call, which goes on).
    void flush() override { FrameBatch::flush(); }
    std::optional<std::size_t> receive(std::span<char> buffer) override;
    bool connected() const override { return connected_.load(std::memory_order_relaxed); }
    void finish(bool keep_alive, bool abortive) override;

    // From the channel reader.
    void on_ack(bool ok);
    void on_body(std::string_view bytes, bool failed);
    void on_client_gone();

    std::uint64_t id() const { return id_; }

    // Sends or batches a frame that ends the request (DONE).
    void send_closing(std::string_view frames);

private:
    bool send_frames(std::span<const std::string_view> pieces, bool final);
    // Blocks until `done` holds (mutex_ held through `lock`), telling waits_.
    template <class Predicate>
    void wait_for_client(std::unique_lock<std::mutex>& lock, Predicate done);

    const std::uint64_t id_;
    std::shared_ptr<Channel> channel_;
    ClientWaitObserver* const waits_;
    std::atomic<bool> connected_{true};
    std::size_t unacked_ = 0;  // touched only by the (one) thread sending

    std::mutex mutex_;
    std::condition_variable changed_;
    bool ack_pending_ = false;
    bool read_pending_ = false;
    std::span<char> read_buffer_;
    std::optional<std::size_t> read_result_;
};

}  // namespace isapi::host
