#pragma once
// The worker's side of --handoff: it serves the HTTP of client connections
// that the front end accepted and passed over the channel, exactly as the
// in-process host serves its own (HttpSession, IoRunner's inline path, the
// request pool), so no request byte crosses the channel. It tells the front
// end, through the shared state table, whether each connection holds a
// request (for the 502 the front end answers if this process dies), when a
// connection ends or is given back (drain), and, in batches, how requests
// ended (the front end's counters, latency histograms and access log).
// docs/architecture.md, "Connection hand-off".
#include "../runtime/inproc_dispatcher.hpp"
#include "../server/http_session.hpp"
#include "../server/io_runner.hpp"
#include "channel.hpp"
#include "connection_slots.hpp"
#include "worker_config.hpp"

#include <isapi/platform/connection_handoff.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

namespace isapi::host {

class DirectConnections {
public:
    DirectConnections(const WorkerConfig::Handoff& config, const std::vector<Mapping>& mappings,
                      Dispatcher& dispatcher, std::shared_ptr<Channel> channel);
    // Closes what is still open (the process is ending).
    ~DirectConnections();

    // On the channel's reading thread: the `states` frame.
    void attach_states(platform::NativeDescriptor table, std::size_t bytes);
    // On the channel's reading thread: a `connection` frame.
    void adopt(std::uint64_t id, std::uint32_t slot, bool v6, platform::NativeDescriptor socket, std::string preread);
    // Every connection goes back to the front end at its next point between
    // requests; then waits (up to `limit`) until none is left. True if none is.
    bool hand_back_all(std::chrono::milliseconds limit);

    // How a request on one of these connections ended (the dispatcher's
    // outcome hook); reported in the next batch.
    void served(const ecb::Outcome& outcome, const InprocDispatcher::Served& served);
    // An access log line (the worker's log has no file: its lines go here).
    void log_line(std::string_view line);

    // For the worker's answer to a ping: requests held now, and served so far.
    struct Activity {
        std::uint32_t in_progress = 0;
        std::uint64_t served = 0;
    };
    Activity activity();

private:
    class Tracker;
    void ended(std::uint64_t id, std::string frame);
    void in_progress(int delta);  // requests held on these connections: +1 or -1
    void schedule_report();  // any thread, with mutex_ held
    void report();           // sends the batch (on io_)

    const WorkerConfig::Handoff config_;
    const std::vector<Mapping>& mappings_;
    Dispatcher& dispatcher_;
    std::shared_ptr<Channel> channel_;
    platform::SharedStateTable states_;
    std::optional<ConnectionSlots> slots_;  // over states_, once attached
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    IoRunner runner_;
    boost::asio::steady_timer report_timer_;
    std::thread thread_;

    std::mutex mutex_;
    std::condition_variable all_gone_;
    std::unordered_map<std::uint64_t, std::weak_ptr<HttpSession>> sessions_;
    bool handing_back_ = false;
    bool report_scheduled_ = false;
    std::chrono::steady_clock::time_point last_report_{};  // mutex_
    std::uint32_t served_count_ = 0;
    std::uint64_t served_total_ = 0;
    // Requests read and not yet served: the front end's in-flight gauge.
    std::uint32_t in_progress_ = 0, reported_in_progress_ = 0;
    std::string served_;     // the batch's per-request records
    std::string log_lines_;  // the batch's access log lines
};

}  // namespace isapi::host
