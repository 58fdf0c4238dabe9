// AppPool's side of --handoff (docs/architecture.md, "Connection hand-off"):
// passing kept-alive connections to the serving worker, taking them back,
// and counting what the worker reports of the requests it served on them.
#include "app_pool.hpp"

#include <boost/asio/dispatch.hpp>

namespace isapi::host {

namespace net = boost::asio;

namespace {

// Hears nothing of a relayed session but its end: a connection the client
// keeps open goes on to a worker, with the bytes read past its request.
class PassOnWhenKeptAlive final : public SessionTracker {
public:
    PassOnWhenKeptAlive(std::function<void(HandedSocket)> pass_on, bool v6) : pass_on_(std::move(pass_on)), v6_(v6) {}
    void state(SessionState, std::uint64_t) override {}
    void request(std::string_view, std::string_view) override {}
    void bytes_pending(bool) override {}
    void closed(bool) override {}
    void handed_back(std::string leftover, std::intptr_t descriptor) override {
        if (descriptor != platform::kNoDescriptor) pass_on_({descriptor, v6_, std::move(leftover)});
    }

private:
    std::function<void(HandedSocket)> pass_on_;
    bool v6_;
};

}  // namespace

std::unique_ptr<SessionTracker> AppPool::pass_on_when_kept_alive(bool v6) {
    return std::make_unique<PassOnWhenKeptAlive>(
        [this](HandedSocket handed) {
            net::dispatch(strand_, [this, handed = std::move(handed)]() mutable { hand_over(std::move(handed)); });
        },
        v6);
}

void AppPool::hand_over(HandedSocket socket) {
    // A client that left between requests needs no worker: after a crash,
    // passing it on could start one for nothing.
    if (socket.preread.empty() && platform::client_has_left(socket.socket))
        return platform::close_descriptor(socket.socket);
    if (!shutting_down_ && !stopped_ && !immediate_gap_) {
        std::string error;
        if (!serving_) serving_ = next_worker(error);
        if (serving_ && serving_->hand_over(next_connection_id_++, socket)) return;
    }
    if (relay_here_) return relay_here_(std::move(socket));
    platform::close_descriptor(socket.socket);
}

void AppPool::connection_returned(WorkerProcess&, HandedSocket socket) { hand_over(std::move(socket)); }

void AppPool::direct_served(WorkerProcess& worker, unsigned status, std::chrono::nanoseconds elapsed,
                            std::uint32_t mapping_index, const std::string& sha256) {
    counters_.answered(status);
    if (mapping_index != 0 && mapping_index <= router_.mappings().size())
        record_latency(router_.mappings()[mapping_index - 1], sha256, elapsed);
    check_request_limit(worker);
}

void AppPool::direct_log(std::string_view lines) {
    if (access_log_) access_log_->write_lines(lines);
}

}  // namespace isapi::host
