#include "runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <stdexcept>
#include <thread>

#include "worker.hpp"

namespace isapi::loadgen {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) { g_interrupted.store(true); }

// Ctrl-C stops issuing requests; those in flight still finish and are booked.
class InterruptGuard {
public:
    InterruptGuard() {
        g_interrupted.store(false);
        previous_ = std::signal(SIGINT, on_interrupt);
    }
    ~InterruptGuard() { std::signal(SIGINT, previous_); }
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

private:
    void (*previous_)(int) = SIG_DFL;
};

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

RunResult run_load(const RunPlan& plan, const ProgressFn& progress) {
    if (plan.templates.empty()) throw std::invalid_argument("nothing to send");
    if (plan.connections == 0 || plan.threads == 0) throw std::invalid_argument("--threads and --connections must be at least 1");
    const unsigned threads = std::min(plan.threads, plan.connections);
    check_tls_options(plan.target, plan.tls);
    // One TLS context for the whole run, shared by every thread.
    const std::shared_ptr<TlsContext> tls = plan.target.tls ? make_tls_context(plan.target, plan.tls) : nullptr;
    const Endpoint endpoint = resolve_endpoint(plan.target);

    std::unique_ptr<RequestLog> log;
    if (!plan.log_path.empty()) log = std::make_unique<RequestLog>(plan.log_path, plan.log_format);

    std::int64_t end_ns = plan.duration_ns;
    if (plan.model == Model::open_rate)
        end_ns = std::min<std::int64_t>(end_ns, static_cast<std::int64_t>(plan.schedule.duration_s() * 1e9));

    InterruptGuard interrupt;
    const auto start = Clock::now();
    if (plan.on_start) plan.on_start(start);
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned t = 0; t < threads; ++t) {
        WorkerConfig wc;
        wc.endpoint = endpoint;
        wc.connections = plan.connections / threads + (t < plan.connections % threads ? 1 : 0);
        wc.timeout_ns = plan.timeout_ns;
        wc.pacer.model = plan.model;
        wc.pacer.thread = t;
        wc.pacer.threads = threads;
        wc.pacer.end_ns = end_ns;
        wc.pacer.max_requests = plan.max_requests;
        wc.pacer.templates = plan.templates.size();
        wc.pacer.schedule = &plan.schedule;
        wc.pacer.offsets_ns = &plan.offsets_ns;
        wc.pacer.period_ns = plan.period_ns;
        wc.templates = &plan.templates;
        wc.expect_status = &plan.expect_status;
        wc.log = log.get();
        wc.stop = &g_interrupted;
        wc.tls = tls.get();
        wc.start = start;
        wc.live_window = static_cast<bool>(progress);
        workers.push_back(std::make_unique<Worker>(wc));
    }

    std::atomic<unsigned> running{threads};
    std::vector<std::thread> pool;
    for (auto& w : workers)
        pool.emplace_back([&running, worker = w.get()] {
            worker->run();
            running.fetch_sub(1);
        });

    std::uint64_t last_answered = 0;
    auto last_tick = start;
    // Workers close their p99 window on each whole second and publish it at
    // their next sweep (<= 50 ms later); the line is printed just after that.
    auto next_tick = start + std::chrono::milliseconds(1100);
    while (running.load() > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (!progress || Clock::now() < next_tick) continue;
        Progress p{seconds(Clock::now() - start), 0, 0, 0, 0, 0};
        for (const auto& w : workers) {
            const auto& live = w->live();
            p.sent += live.sent.load(std::memory_order_relaxed);
            p.answered += live.answered.load(std::memory_order_relaxed);
            p.errors += live.errors.load(std::memory_order_relaxed);
            p.window_p99_us = std::max(p.window_p99_us, live.window_p99_us.load(std::memory_order_relaxed));
        }
        const auto now = Clock::now();
        p.rate = static_cast<double>(p.answered - last_answered) / std::max(1e-9, seconds(now - last_tick));
        last_answered = p.answered;
        last_tick = now;
        next_tick += std::chrono::seconds(1);
        progress(p);
    }
    for (auto& t : pool) t.join();
    const auto stop = Clock::now();

    RunResult result;
    result.threads = threads;
    result.connections = plan.connections;
    for (const auto& w : workers) result.stats.merge(w->stats());
    if (tls) {
        result.tls.emplace();
        for (const auto& w : workers) result.tls->merge(w->tls());
    }
    result.elapsed_s = seconds(stop - start);
    // The load window is the planned one, stretched to the last actual send
    // when the client fell behind its schedule; when the run had no planned
    // end (request limit, replay), it is the time until the last request finished.
    const double planned = end_ns == std::numeric_limits<std::int64_t>::max() ? 0 : static_cast<double>(end_ns) / 1e9;
    const double last_sent = static_cast<double>(result.stats.last_sent_ns()) / 1e9;
    result.load_window_s = planned > 0 && planned < result.elapsed_s ? std::max(planned, last_sent) : result.elapsed_s;
    result.achieved_rate = result.load_window_s > 0 ? static_cast<double>(result.stats.answered()) / result.load_window_s : 0;
    workers.clear();
    if (log) log->close(result.log_error);
    return result;
}

}  // namespace isapi::loadgen
