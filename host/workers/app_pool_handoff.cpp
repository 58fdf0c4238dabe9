// AppPool's side of --handoff (docs/architecture.md, "Connection hand-off"):
// passing accepted connections to the serving worker, taking them back, and
// counting what the worker reports of the requests it served on them.
#include "app_pool.hpp"

#include <boost/asio/dispatch.hpp>

namespace isapi::host {

namespace net = boost::asio;

void AppPool::adopt(net::ip::tcp::socket socket) {
    HandedSocket handed;
    boost::system::error_code ec;
    handed.v6 = socket.local_endpoint(ec).address().is_v6();
    if (ec) return;  // the client is gone already: the socket closes here
    handed.socket = socket.release(ec);  // leaves this io_context's reactor
    if (ec) return;
    net::dispatch(strand_, [this, handed = std::move(handed)]() mutable { hand_over(std::move(handed)); });
}

void AppPool::hand_over(HandedSocket socket) {
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
