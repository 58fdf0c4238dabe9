#include "race_runner.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <tuple>


#include <isapi/contract/host_contract.hpp>

#include "../client/runner.hpp"
#include "../hostctl/admin_client.hpp"
#include "../hostctl/host_launch.hpp"
#include "../hostctl/run_folder.hpp"
#include "host_findings.hpp"
#include "../client/aimed_requests.hpp"
#include "race_requests.hpp"

namespace isapi::loadgen {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::milliseconds(50);
// The load runs in slices, so that a finding stops it within one slice.
constexpr std::int64_t kSliceNs = 250'000'000;
// Without a finding, the race still reads the events for this long after the
// load: the last unloads (and their thread checks) come after the last answer.
constexpr auto kSettle = std::chrono::milliseconds(400);

// The lines of the host's log that explain an exit code 3.
std::string shutdown_evidence(const std::string& log_text) {
    std::string evidence;
    std::size_t at = 0;
    while (at < log_text.size()) {
        const std::size_t end = std::min(log_text.find('\n', at), log_text.size());
        const std::string line = log_text.substr(at, end - at);
        if (contract::log_line_is_error(line)) evidence += (evidence.empty() ? "" : "; ") + line;
        at = end + 1;
    }
    return evidence.empty() ? "no error was logged" : evidence;
}

// Everything the threads of one race share.
class RaceState {
public:
    RaceState(const RaceConfig& config, const FindingFn& on_finding) : config_(config), on_finding_(on_finding) {}

    // Before any other thread uses the state.
    void start_churn() { churn_started_ = Clock::now(); }
    double since_start_s() const {
        return std::chrono::duration<double>(Clock::now() - churn_started_).count();
    }

    // Takes a batch of events, and stops the race on a finding (unless
    // `all`), at the cycle count or past the duration.
    void take(const std::vector<HostEvent>& events) {
        std::lock_guard lock(mutex_);
        for (const auto& e : events) {
            if (e.kind == contract::event::module_unload) ++result_.cycles;
            if (e.kind == contract::event::module_load) ++result_.loads;
            const auto finding = finding_of(e);
            if (!finding) continue;
            // Stopped at its first finding, the race counts the later ones only.
            if (!config_.all && !result_.findings.empty()) {
                ++later_findings_;
                continue;
            }
            RaceFinding f = *finding;
            f.time_s = since_start_s();
            result_.findings.push_back(f);
            if (on_finding_) on_finding_(f);
            if (!config_.all) stop_locked("finding");
        }
        if (config_.cycles > 0 && result_.cycles >= config_.cycles) stop_locked("cycles");
        if (since_start_s() * 1e9 >= static_cast<double>(config_.duration_ns)) stop_locked("duration");
    }

    void stop(const std::string& why) {
        std::lock_guard lock(mutex_);
        stop_locked(why);
    }
    bool stopping() const { return stopping_.load(); }
    // Sleeps up to `d`, or until the race stops; false when it stopped.
    bool sleep_unless_stopped(Clock::duration d) {
        std::unique_lock lock(mutex_);
        return !wake_.wait_for(lock, d, [&] { return stopping_.load(); });
    }
    void note(const std::string& text) {
        std::lock_guard lock(mutex_);
        result_.notes.push_back(text);
    }
    std::uint64_t cycles() {
        std::lock_guard lock(mutex_);
        return result_.cycles;
    }
    void add_requests(std::uint64_t sent) {
        std::lock_guard lock(mutex_);
        requests_so_far_ += sent;
    }
    RaceProgress progress() {
        std::lock_guard lock(mutex_);
        return {since_start_s(), result_.cycles, result_.recycles, requests_so_far_, result_.findings.size()};
    }
    void count_recycle() {
        std::lock_guard lock(mutex_);
        ++result_.recycles;
    }
    std::int64_t remaining_ns() const {
        return config_.duration_ns - static_cast<std::int64_t>(since_start_s() * 1e9);
    }
    RaceResult& result() {
        if (later_findings_ > 0)
            result_.notes.push_back(std::to_string(later_findings_) +
                                    " more finding(s) came after the first; --all collects them");
        later_findings_ = 0;
        return result_;
    }

private:
    void stop_locked(const std::string& why) {
        if (stopping_.exchange(true)) return;
        result_.stopped_by = why;
        result_.duration_s = since_start_s();
        wake_.notify_all();
    }

    const RaceConfig& config_;
    const FindingFn& on_finding_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::atomic<bool> stopping_{false};
    Clock::time_point churn_started_ = Clock::now();
    RaceResult result_;
    std::uint64_t later_findings_ = 0;
    std::uint64_t requests_so_far_ = 0;  // for progress; the result's count comes at the end
};

// Asks the host for a recycle; false when it refused (one already running).
bool ask_recycle(const Url& admin, const std::string& mode, RaceState& state) {
    try {
        const auto reply = http_call(admin, "POST", std::string(contract::admin::recycle) + "?mode=" + mode);
        if (reply.status / 100 != 2) return false;
        state.count_recycle();
    } catch (const std::exception& e) {
        state.note(std::string("a recycle could not be asked for: ") + e.what());
    }
    return true;
}

// Load/unload cycles a worker should see before it is recycled: the host's
// leak trend compares two windows of 16 cycles in one process, after a
// few of warm-up (host/detectors/leak_trend.hpp). Linux does hundreds of
// cycles a second, so this never delays a recycle there; under Wine a
// worker does about 13 a second and was recycled before the trend could
// see a leak.
constexpr std::uint64_t kCyclesPerWorker = 40;

// After the drawn interval, while cycles keep coming (uncached churn), waits
// until the worker has done kCyclesPerWorker since the last recycle, up to
// four more intervals. Where no cycles come between recycles (cached mode)
// it does not wait. False when the race stopped.
bool wait_for_cycles(RaceState& state, std::uint64_t since, Clock::duration interval) {
    constexpr auto kStep = std::chrono::milliseconds(100);
    const auto until = Clock::now() + 4 * interval;
    std::uint64_t seen = state.cycles();
    while (seen - since < kCyclesPerWorker && Clock::now() < until) {
        if (!state.sleep_unless_stopped(kStep)) return false;
        const std::uint64_t now = state.cycles();
        if (now == seen) break;  // no churn of cycles: nothing to wait for
        seen = now;
    }
    return true;
}

// Recycles at seeded intervals (0.5 to 1.5 times the mean, then
// wait_for_cycles) with a seeded mode, until the race stops.
void recycle_loop(const RaceConfig& c, const Url& admin, RaceState& state) {
    std::mt19937_64 rng(c.seed ^ 0x9e3779b97f4a7c15ULL);
    std::uniform_real_distribution<double> factor(0.5, 1.5);
    std::uniform_int_distribution<std::size_t> pick(0, c.recycle_modes.size() - 1);
    std::uint64_t refused = 0;
    std::uint64_t cycles_at_recycle = state.cycles();
    for (;;) {
        const auto wait = std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(c.recycle_every_ns) * factor(rng)));
        const std::string& mode = c.recycle_modes[pick(rng)];
        if (!state.sleep_unless_stopped(wait)) break;
        if (!wait_for_cycles(state, cycles_at_recycle, wait)) break;
        cycles_at_recycle = state.cycles();
        if (!ask_recycle(admin, mode, state)) ++refused;
    }
    if (refused > 0) state.note(std::to_string(refused) + " recycle(s) refused by the host (one already running)");
}

void poll_loop(HostEventFeed& feed, SanitizerLogWatch& sanitizer, bool all, RaceState& state,
               const RaceProgressFn& on_progress) {
    std::uint64_t failures = 0;
    auto next_progress = Clock::now() + std::chrono::seconds(1);
    do {
        if (on_progress && Clock::now() >= next_progress) {
            on_progress(state.progress());
            next_progress += std::chrono::seconds(1);
        }
        try {
            state.take(feed.poll());
            if (!all && sanitizer.new_report()) state.stop("sanitizer report");
        } catch (const std::exception& e) {
            if (++failures == 1) state.note(std::string("reading the host's events failed: ") + e.what());
            if (failures >= 20) state.stop("host unreachable");  // nothing more to see
        }
    } while (state.sleep_unless_stopped(kPollInterval));
}

// Reads the events until `settle` has passed (the last unloads' findings).
void settle(HostEventFeed& feed, RaceState& state, Clock::duration settle_for) {
    const auto until = Clock::now() + settle_for;
    while (Clock::now() < until) {
        std::this_thread::sleep_for(kPollInterval);
        try {
            state.take(feed.poll());
        } catch (const std::exception&) {
            return;
        }
    }
}

// Adds the findings the host logged after the last poll (each logged
// finding beyond the ones the events already held), and an exit code 3 that
// no finding explains.
// Stopped at a first finding, the race adds none of the host's later ones.
void take_shutdown_findings(const std::string& log_text, const platform::ExitStatus& exit, bool all, RaceResult& r,
                            double time_s) {
    if (!all && !r.findings.empty()) return;
    using Key = std::tuple<std::string, std::string, std::uint64_t, std::string>;
    auto key = [](const RaceFinding& f) {
        return Key{f.kind, f.module, f.load_generation, f.evidence.substr(0, f.evidence.find('\n'))};
    };
    std::map<Key, int> seen;
    for (const auto& f : r.findings) ++seen[key(f)];
    for (auto f : findings_in_host_log(log_text)) {
        if (seen[key(f)]-- > 0) continue;
        f.time_s = time_s;
        r.findings.push_back(std::move(f));
    }
    if (!exit.signaled && exit.code == 3 && r.findings.empty()) {
        RaceFinding f;
        f.kind = "pending_at_unload";
        f.time_s = time_s;
        f.evidence = "the host exited with code 3 at the final stop (extension code still running at the shutdown "
                     "time limit): " + shutdown_evidence(log_text);
        f.source = "exit code 3";
        r.findings.push_back(std::move(f));
    }
}

// The busy phases' load: every request for every module, on every connection.
RunPlan busy_plan(const RaceConfig& c, const Url& base) {
    std::vector<std::string> paths;
    for (std::size_t i = 0; i < c.modules.size(); ++i) paths.push_back(race_url_path(i));
    RunPlan plan;
    plan.target = base;
    plan.templates = aimed_templates(c.requests.empty() ? race_default_requests() : c.requests, paths, base.authority);
    plan.model = Model::closed;
    plan.threads = c.threads;
    plan.connections = c.connections;
    plan.timeout_ns = c.timeout_ns;
    return plan;
}

// The quiescent phases' requests, one at a time.
struct QuietCounts {
    std::uint64_t sent = 0, answered = 0, dropped = 0;
};

// Runs the phases until the race stops; the busy phases' statistics go to
// `load`, the quiescent ones' to `quiet`.
class Churn {
public:
    Churn(const RaceConfig& c, const Url& base, const Url& admin, RaceState& state)
        : c_(c), base_(base), admin_(admin), state_(state), busy_(busy_plan(c, base)),
          // After this long the unload after the last completion has come (the
          // host's jitter before it, then TerminateExtension and the unmap).
          planner_(c.schedule, c.seed, c.jitter_max_us * 1'000 + kUnloadMarginNs) {}

    void run(RunStats& load, QuietCounts& quiet) {
        while (!state_.stopping() && state_.remaining_ns() > 0) {
            const ChurnPhase phase = planner_.next_phase();
            if (phase.busy) busy(phase.busy_ns, load);
            else quiescent(phase.quiet_requests, quiet);
        }
    }

private:
    static constexpr std::int64_t kUnloadMarginNs = 3'000'000;

    void busy(std::int64_t for_ns, RunStats& load) {
        const auto until = Clock::now() + std::chrono::nanoseconds(for_ns);
        while (!state_.stopping()) {
            const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(until - Clock::now()).count();
            busy_.duration_ns = std::min({kSliceNs, state_.remaining_ns(), left});
            if (busy_.duration_ns <= 0) return;
            const RunStats slice = run_load(busy_).stats;
            state_.add_requests(slice.sent());
            load.merge(slice);
        }
    }

    // One request at a time; in cached mode a recycle right after each.
    void quiescent(unsigned requests, QuietCounts& quiet) {
        const auto timeout = std::chrono::milliseconds(c_.timeout_ns / 1'000'000);
        for (unsigned i = 0; i < requests && !state_.stopping() && state_.remaining_ns() > 0; ++i) {
            const RequestTemplate& request = busy_.templates[planner_.pick(busy_.templates.size())];
            ++quiet.sent;
            state_.add_requests(1);
            try {
                http_exchange(base_, request.bytes, request.head, timeout);
                ++quiet.answered;
            } catch (const std::exception&) {
                ++quiet.dropped;  // like a dropped request of the load: not a finding
            }
            if (c_.mode == RaceMode::cached && !c_.recycle_modes.empty())
                ask_recycle(admin_, c_.recycle_modes[planner_.pick(c_.recycle_modes.size())], state_);
            state_.sleep_unless_stopped(std::chrono::nanoseconds(planner_.quiet_gap_ns()));
        }
    }

    const RaceConfig& c_;
    const Url base_, admin_;
    RaceState& state_;
    RunPlan busy_;
    ChurnPlanner planner_;
};

void validate(const RaceConfig& c) {
    if (c.modules.empty()) throw std::invalid_argument("race needs at least one --module FILE");
    for (const auto& m : c.modules) {
        std::error_code ec;
        if (!fs::is_regular_file(m, ec)) throw std::invalid_argument("--module " + m + ": no such file");
    }
    if (c.duration_ns <= 0) throw std::invalid_argument("--duration must be positive");
    if (c.recycle_every_ns > 0 && c.recycle_modes.empty()) throw std::invalid_argument("--recycle-modes is empty");
    for (const auto& m : c.recycle_modes)
        if (m != "overlapped" && m != "immediate")
            throw std::invalid_argument("unknown recycle mode '" + m + "'; choose overlapped or immediate");
}

}  // namespace

std::string_view to_string(RaceMode mode) { return mode == RaceMode::cached ? "cached" : "uncached"; }

std::optional<RaceMode> parse_race_mode(std::string_view text) {
    if (text == "uncached") return RaceMode::uncached;
    if (text == "cached") return RaceMode::cached;
    return std::nullopt;
}

std::string race_url_path(std::size_t index) { return "/race" + std::to_string(index) + ".dll"; }

std::vector<std::string> race_host_arguments(const RaceConfig& c) {
    std::vector<std::string> args;
    const std::string suffix = c.mode == RaceMode::uncached ? ",uncached" : "";
    for (std::size_t i = 0; i < c.modules.size(); ++i)
        args.insert(args.end(), {"--map", race_url_path(i) + "=" + fs::absolute(c.modules[i]).string() + suffix});
    args.insert(args.end(), {"--hang-timeout", std::to_string(c.hang_timeout_ms), "--shutdown-time-limit",
                             std::to_string(c.shutdown_time_limit_ms)});
    if (c.jitter_max_us > 0)
        args.insert(args.end(), {"--jitter", std::to_string(c.seed) + ":" + std::to_string(c.jitter_max_us) + "us"});
    args.insert(args.end(), c.host_args.begin(), c.host_args.end());
    return args;
}

std::string race_progress_line(const RaceProgress& p) {
    char line[160];
    std::snprintf(line, sizeof line, "[%5.0fs] cycles %llu  recycles %llu  requests %llu  findings %llu", p.elapsed_s,
                  static_cast<unsigned long long>(p.cycles), static_cast<unsigned long long>(p.recycles),
                  static_cast<unsigned long long>(p.requests), static_cast<unsigned long long>(p.findings));
    return line;
}

RaceResult run_race(const RaceConfig& c, const FindingFn& on_finding, const RaceProgressFn& on_progress) {
    validate(c);
    const RunFolder folder("isapi-race", c.keep_files);
    const std::string host_log = folder / "host.log";
    const auto host = start_loopback_host(locate_host_executable(c.host_exe), race_host_arguments(c), host_log);

    RaceState state(c, on_finding);
    HostEventFeed feed(admin_url(*host));
    state.start_churn();
    SanitizerLogWatch sanitizer(host_log);
    std::thread poller([&] { poll_loop(feed, sanitizer, c.all, state, on_progress); });
    std::thread recycler;
    if (c.recycle_every_ns > 0) recycler = std::thread([&] { recycle_loop(c, admin_url(*host), state); });

    RunStats load;
    QuietCounts quiet;
    try {
        Churn(c, base_url(*host), admin_url(*host), state).run(load, quiet);
    } catch (...) {
        state.stop("setup failure");
        poller.join();
        if (recycler.joinable()) recycler.join();
        throw;
    }
    // Past the duration the poller stops the race within one poll interval.
    while (!state.stopping()) state.sleep_unless_stopped(kPollInterval);
    poller.join();
    if (recycler.joinable()) recycler.join();

    RaceResult& r = state.result();
    if (r.findings.empty() || c.all) settle(feed, state, kSettle);
    if (feed.missed() > 0)
        r.notes.push_back(std::to_string(feed.missed()) + " host event(s) were overwritten before they were read; "
                          "findings among them are only in the host's log");
    const double stopped_at = state.since_start_s();
    const auto exit = host->stop(std::chrono::milliseconds(c.shutdown_time_limit_ms + 10'000));
    r.host_exit = exit.describe();
    r.host_exit_code = exit.signaled ? -1 : exit.code;
    const std::string log_text = host->output();
    take_shutdown_findings(log_text, exit, c.all, r, stopped_at);
    r.sanitizer_reports = sanitizer_reports_in(log_text);
    r.requests = load.sent() + quiet.sent;
    r.answered = load.answered() + quiet.answered;
    r.dropped = load.dropped() + quiet.dropped;
    if (c.keep_files) r.work_dir = folder.path();
    return std::move(r);
}

}  // namespace isapi::loadgen
