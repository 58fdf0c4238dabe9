#include "direct_connections.hpp"

#include "ipc_codec.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace isapi::host {

namespace net = boost::asio;

namespace {

// Reports leave at most this often: at a high rate one frame carries the
// ends of many requests, and the front end's counters lag by this much at
// most; at a low rate each leaves at once.
constexpr auto kReportDelay = std::chrono::milliseconds(2);

IoRunner::Options runner_options(const WorkerConfig::Handoff& config) {
    IoRunner::Options o;
    o.io_threads = config.io_threads;
    o.inline_budget = config.inline_budget;
    return o;
}

}  // namespace

// One handed-over connection's reports: its state into the shared table, its
// end to the front end.
class DirectConnections::Tracker final : public SessionTracker {
public:
    // `slots` null: no record (the table is missing or too small).
    Tracker(DirectConnections& owner, std::uint64_t id, ConnectionSlots* slots, std::uint32_t slot)
        : owner_(owner), id_(id), slots_(slots), slot_(slot) {}

    void state(SessionState state, std::uint64_t bytes_read) override {
        {
            std::lock_guard lock(mutex_);
            state_ = state;
            if (slots_ && state == SessionState::idle) slots_->set_bytes_read(slot_, bytes_read);
            publish();
        }
        holds_request(state != SessionState::idle);
    }
    void request(std::string_view method, std::string_view target) override {
        if (slots_) slots_->set_request(slot_, method, target);
    }
    void bytes_pending(bool pending) override {
        std::lock_guard lock(mutex_);
        pending_ = pending;
        publish();
    }
    void closed(bool abortive) override {
        holds_request(false);
        std::string frame;
        ipc::FrameBuilder(frame).begin(ipc::FrameType::closed, id_).u8(abortive).end();
        owner_.ended(id_, std::move(frame));
    }
    void handed_back(std::string leftover, std::intptr_t descriptor) override {
        platform::close_descriptor(descriptor);  // the front end's copy lives on
        holds_request(false);
        std::string frame;
        ipc::FrameBuilder(frame).begin(ipc::FrameType::returned, id_).str(leftover).end();
        owner_.ended(id_, std::move(frame));
    }

private:
    // A connection holds a request from its header's read to its next wait
    // for one (or its end): the front end's count of requests in flight.
    void holds_request(bool now) {
        if (holding_.exchange(now) != now) owner_.in_progress(now ? 1 : -1);
    }

    // What the front end reads after a crash (with mutex_ held): bytes the
    // client has not got make the connection one to reset, never one to
    // pass on or answer 502 on.
    void publish() {
        if (slots_) slots_->set_state(slot_, pending_ ? SessionState::responding : state_);
    }

    std::mutex mutex_;
    SessionState state_ = SessionState::idle;
    bool pending_ = false;
    std::atomic<bool> holding_{false};
    DirectConnections& owner_;
    const std::uint64_t id_;
    ConnectionSlots* slots_;
    const std::uint32_t slot_;
};

DirectConnections::DirectConnections(const WorkerConfig::Handoff& config, const std::vector<Mapping>& mappings,
                                     Dispatcher& dispatcher, std::shared_ptr<Channel> channel)
    : config_(config),
      mappings_(mappings),
      dispatcher_(dispatcher),
      channel_(std::move(channel)),
      io_(IoRunner::concurrency_hint(runner_options(config))),
      work_(io_.get_executor()),
      runner_(io_, runner_options(config)),
      report_timer_(io_),
      thread_([this] { runner_.run(); }) {}

DirectConnections::~DirectConnections() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
    runner_.join(false);
}

void DirectConnections::attach_states(platform::NativeDescriptor table, std::size_t bytes) {
    states_ = platform::SharedStateTable::attach(table, bytes);
    slots_.emplace(states_);
}

void DirectConnections::adopt(std::uint64_t id, std::uint32_t slot, bool v6, platform::NativeDescriptor socket,
                              std::string preread) {
    net::ip::tcp::socket client(io_);
    boost::system::error_code ec;
    client.assign(v6 ? net::ip::tcp::v6() : net::ip::tcp::v4(), static_cast<int>(socket), ec);
    if (ec) {
        platform::close_descriptor(socket);
        spdlog::warn("connection {}: cannot take it over: {}", id, ec.message());
        std::string frame;
        ipc::FrameBuilder(frame).begin(ipc::FrameType::returned, id).str(preread).end();
        return channel_->send(frame);
    }
    auto* slots = slots_ && slot < slots_->count() ? &*slots_ : nullptr;
    auto session = std::make_shared<HttpSession>(std::move(client), config_.limits, dispatcher_,
                                                 std::make_unique<Tracker>(*this, id, slots, slot), preread);
    bool hand_back;
    {
        std::lock_guard lock(mutex_);
        sessions_[id] = session;
        hand_back = handing_back_;
    }
    session->start();
    if (hand_back) session->hand_back();
}

bool DirectConnections::hand_back_all(std::chrono::milliseconds limit) {
    std::vector<std::shared_ptr<HttpSession>> sessions;
    std::unique_lock lock(mutex_);
    handing_back_ = true;
    for (auto& [id, weak] : sessions_)
        if (auto session = weak.lock()) sessions.push_back(std::move(session));
    lock.unlock();
    for (auto& session : sessions) session->hand_back();
    sessions.clear();
    lock.lock();
    const bool all = all_gone_.wait_for(lock, limit, [this] { return sessions_.empty(); });
    lock.unlock();
    // What was served so far goes out before the worker says it drained.
    net::post(io_, [this] { report(); });
    return all;
}

void DirectConnections::ended(std::uint64_t id, std::string frame) {
    channel_->send(frame);
    std::lock_guard lock(mutex_);
    sessions_.erase(id);
    if (sessions_.empty()) all_gone_.notify_all();
}

void DirectConnections::served(const ecb::Outcome& outcome, const InprocDispatcher::Served& served) {
    const std::uint32_t mapping =
        served.mapping ? static_cast<std::uint32_t>(served.mapping - mappings_.data()) + 1 : 0;
    std::lock_guard lock(mutex_);
    ++served_count_;
    ++served_total_;
    ipc::FrameBuilder piece(served_);
    piece.u16(static_cast<std::uint16_t>(outcome.status))
        .u64(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(served.elapsed).count()))
        .u32(mapping)
        .str(served.sha256);
    schedule_report();
}

void DirectConnections::in_progress(int delta) {
    std::lock_guard lock(mutex_);
    in_progress_ += static_cast<std::uint32_t>(delta);
    schedule_report();
}

DirectConnections::Activity DirectConnections::activity() {
    std::lock_guard lock(mutex_);
    return {in_progress_, served_total_};
}

void DirectConnections::log_line(std::string_view line) {
    std::lock_guard lock(mutex_);
    log_lines_.append(line);
    schedule_report();
}

void DirectConnections::schedule_report() {
    if (std::exchange(report_scheduled_, true)) return;
    const auto due = last_report_ + kReportDelay;
    net::post(io_, [this, due] {
        // Posted, not run here: the request's own handlers finish first.
        if (std::chrono::steady_clock::now() >= due) return report();
        report_timer_.expires_at(due);
        report_timer_.async_wait([this](boost::system::error_code ec) {
            if (!ec) report();
        });
    });
}

void DirectConnections::report() {
    std::string frame;
    {
        std::lock_guard lock(mutex_);
        report_scheduled_ = false;
        if (served_count_ == 0 && log_lines_.empty() && in_progress_ == reported_in_progress_) return;
        last_report_ = std::chrono::steady_clock::now();
        reported_in_progress_ = in_progress_;
        ipc::FrameBuilder(frame)
            .begin(ipc::FrameType::served, 0)
            .u32(std::exchange(served_count_, 0))
            .raw(served_)
            .str(log_lines_)
            .u32(in_progress_)
            .end();
        served_.clear();
        log_lines_.clear();
    }
    channel_->send(frame);
}

}  // namespace isapi::host
