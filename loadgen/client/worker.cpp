#include "worker.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "connection.hpp"

namespace isapi::loadgen {

namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

Endpoint resolve_endpoint(const Url& url) {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    error_code ec;
    const auto results = resolver.resolve(url.host, std::to_string(url.port), ec);
    if (ec || results.empty())
        throw std::runtime_error("cannot resolve " + url.host + ": " + (ec ? ec.message() : "no address"));
    const auto endpoint = results.begin()->endpoint();
    return {endpoint.address().to_string(), endpoint.port()};
}

// The io_context is run by this thread alone and no other thread touches it
// (the runner only reads the relaxed atomics in LiveCounters), so asio may
// drop its internal locking.
class Worker::Impl final : public ConnectionOwner {
public:
    explicit Impl(const WorkerConfig& config)
        : config_(config),
          io_(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE),
          pacer_(config.pacer),
          pace_timer_(io_),
          sweep_timer_(io_) {
        const asio::ip::tcp::endpoint endpoint(asio::ip::make_address(config.endpoint.address),
                                               config.endpoint.port);
        const auto thread = static_cast<std::uint16_t>(config.pacer.thread);
        for (unsigned i = 0; i < config.connections; ++i) {
            connections_.push_back(std::make_unique<Connection>(io_, *this, endpoint, thread, config.tls, &tls_));
            idle_.push_back(connections_.back().get());
        }
        if (config.log) log_.emplace(*config.log, thread);
        const std::int64_t tick = std::clamp<std::int64_t>(config.timeout_ns / 20, 1'000'000, 50'000'000);
        sweep_period_ = std::chrono::nanoseconds(tick);
    }

    void run() {
        arm_sweeper();
        dispatch();
        io_.run();
        if (log_) log_->flush();
        publish();
    }

    const RunStats& stats() const { return stats_; }
    const LiveCounters& live() const { return live_; }
    const TlsTally& tls() const { return tls_; }

    std::int64_t now_ns() const override {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - config_.start).count();
    }

    std::uint32_t next_connection_id() override {
        return config_.pacer.thread + config_.pacer.threads * opened_++;
    }

    void on_finished(Connection& c, RequestRecord& r, std::string_view build) override {
        --in_flight_;
        if (r.cls == ErrorClass::ok) r.cls = classify_status(r.status, *config_.expect_status);
        book(r, build);
        idle_.push_back(&c);
        dispatch();
    }

private:
    void book(const RequestRecord& r, std::string_view build) {
        stats_.add(r, build);
        if (log_) log_->add(r, build);
        if (config_.live_window && !is_dropped(r.cls)) window_.record(static_cast<std::uint64_t>((r.done_ns - r.intended_ns) / 1000));
    }

    // Hands due requests to idle connections. Called after every completion
    // and timer tick; it is the only place requests are issued.
    void dispatch() {
        if (finished_) return;
        const std::int64_t now = now_ns();
        while (pacer_.has_next(now)) {
            if (pacer_.open()) {
                const std::int64_t due = pacer_.next_intended();
                if (due > now) {
                    arm_pace(due);
                    break;
                }
                // Waited in the backlog past its deadline: it can no longer be
                // answered in time, so it is dropped, and still booked.
                if (now - due > config_.timeout_ns) {
                    RequestRecord r;
                    r.intended_ns = pacer_.take(now).intended_ns;
                    r.done_ns = now;
                    r.thread = static_cast<std::uint16_t>(config_.pacer.thread);
                    r.cls = ErrorClass::timeout;
                    book(r, {});
                    continue;
                }
            }
            if (idle_.empty()) break;
            Connection* c = idle_.back();
            idle_.pop_back();
            const Job job = pacer_.take(now);
            ++in_flight_;
            c->start(job, (*config_.templates)[job.request], job.intended_ns + config_.timeout_ns);
        }
        if (in_flight_ == 0 && !pacer_.has_next(now)) finish();
    }

    void arm_pace(std::int64_t due) {
        if (pace_armed_for_ == due) return;
        pace_armed_for_ = due;
        pace_timer_.expires_at(config_.start + std::chrono::nanoseconds(due));
        pace_timer_.async_wait([this](const error_code& ec) {
            if (ec == asio::error::operation_aborted) return;
            pace_armed_for_ = -1;
            dispatch();
        });
    }

    void arm_sweeper() {
        sweep_timer_.expires_after(sweep_period_);
        sweep_timer_.async_wait([this](const error_code& ec) {
            if (ec == asio::error::operation_aborted || finished_) return;
            on_sweep();
        });
    }

    // Enforces deadlines, notices Ctrl-C, and feeds the live counters.
    void on_sweep() {
        const std::int64_t now = now_ns();
        for (auto& c : connections_)
            if (c->busy() && now > c->deadline_ns()) c->expire();
        if (config_.stop && config_.stop->load(std::memory_order_relaxed)) pacer_.stop();
        publish();
        if (config_.live_window && now >= next_window_ns_) {
            live_.window_p99_us.store(window_.percentile(99.0), std::memory_order_relaxed);
            window_.reset();
            next_window_ns_ = now + 1'000'000'000;
        }
        arm_sweeper();
        dispatch();
    }

    void publish() {
        live_.sent.store(stats_.sent(), std::memory_order_relaxed);
        live_.answered.store(stats_.answered(), std::memory_order_relaxed);
        live_.errors.store(stats_.errors(), std::memory_order_relaxed);
    }

    void finish() {
        finished_ = true;
        pace_timer_.cancel();
        sweep_timer_.cancel();
        for (auto& c : connections_) c->close();
    }

    WorkerConfig config_;
    asio::io_context io_;
    Pacer pacer_;
    asio::steady_timer pace_timer_;
    asio::steady_timer sweep_timer_;
    std::chrono::nanoseconds sweep_period_{};
    std::vector<std::unique_ptr<Connection>> connections_;
    std::vector<Connection*> idle_;
    std::optional<RequestLogBuffer> log_;
    RunStats stats_;
    Histogram window_;
    LiveCounters live_;
    TlsTally tls_;
    std::int64_t pace_armed_for_ = -1;
    std::int64_t next_window_ns_ = 1'000'000'000;
    std::uint32_t opened_ = 0;
    std::size_t in_flight_ = 0;
    bool finished_ = false;
};

Worker::Worker(const WorkerConfig& config) : impl_(std::make_unique<Impl>(config)) {}
Worker::~Worker() = default;
void Worker::run() { impl_->run(); }
const RunStats& Worker::stats() const { return impl_->stats(); }
const LiveCounters& Worker::live() const { return impl_->live(); }
const TlsTally& Worker::tls() const { return impl_->tls(); }

}  // namespace isapi::loadgen
