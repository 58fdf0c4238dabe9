#include "swap_runner.hpp"

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>

#include <isapi/contract/host_contract.hpp>
#include <isapi/platform/files.hpp>
#include <isapi/platform/module_loader.hpp>
#include <isapi/platform/renames.hpp>
#include <isapi/platform/sha256.hpp>

#include "../client/aimed_requests.hpp"
#include "../hostctl/admin_client.hpp"
#include "../hostctl/host_events.hpp"
#include "../hostctl/host_launch.hpp"
#include "../hostctl/run_folder.hpp"
#include "../report/log_convert.hpp"
#include "swap_executor.hpp"

namespace isapi::loadgen {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxPoints = 6000;  // requests drawn on the HTML timeline
constexpr std::size_t kWorstUrls = 20;    // URLs in the report's table of a mix

// A load failure that no copy in progress can explain: a missing export, or
// GetExtensionVersion refusing or throwing. ("no such file" and "not a
// loadable module" also happen, briefly, while a file is being replaced.)
bool definitive_load_failure(const std::string& detail) {
    return !detail.starts_with(contract::load_failure::missing_file) &&
           !detail.starts_with(contract::load_failure::not_a_module);
}

// Waits for the host to load the new build (a module_load naming its hash)
// or to show that it cannot (recycle_failed, or a definitive load failure).
bool wait_for_new_build(HostEventFeed& feed, const std::string& new_sha256, std::int64_t timeout_ns,
                        std::vector<HostEvent>& seen, std::string& note) {
    const auto deadline = Clock::now() + std::chrono::nanoseconds(timeout_ns);
    const std::string hash_key = std::string(contract::kIdentityHashKey) + new_sha256.substr(0, contract::kIdentityHashChars);
    for (;;) {
        for (auto& e : feed.poll()) {
            seen.push_back(e);
            if (e.kind == contract::event::recycle_failed ||
                (e.kind == contract::event::load_failure && definitive_load_failure(e.detail))) {
                note = e.kind + ": " + e.detail;
                return false;
            }
            if (e.kind == contract::event::module_load && e.identity.find(hash_key) != std::string::npos) {
                note.clear();
                return true;
            }
        }
        if (Clock::now() >= deadline) {
            note = "the host had not loaded the new build after " + std::to_string(timeout_ns / 1'000'000) +
                   " ms (no recycle, or it is still draining)";
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

// The host's own lifecycle steps during the swap (a recycle --watch
// started, workers starting, ready, exiting, crashing; the first load of
// the new build; the first failed load), moved onto the run's clock: the
// host stamps each event on the machine's monotonic clock (steady_us).
std::vector<SwapEvent> host_steps(const std::vector<HostEvent>& events, Clock::time_point run_start,
                                  const std::string& new_sha256) {
    namespace event = contract::event;
    static const std::set<std::string, std::less<>> kSteps = {
        std::string(event::recycle),     std::string(event::recycle_failed), std::string(event::worker_start),
        std::string(event::worker_ready), std::string(event::worker_exit),   std::string(event::worker_crash),
        std::string(event::worker_kill), std::string(event::pool_stop)};
    const std::string new_hash_key =
        std::string(contract::kIdentityHashKey) + new_sha256.substr(0, contract::kIdentityHashChars);
    constexpr std::size_t kMaxSteps = 24;
    const auto start_us = std::chrono::duration_cast<std::chrono::microseconds>(run_start.time_since_epoch()).count();
    std::vector<SwapEvent> steps;
    bool new_load_seen = false, failure_seen = false;
    for (const auto& e : events) {
        if (e.steady_us < 0 || steps.size() >= kMaxSteps) continue;
        bool take = kSteps.count(e.kind) > 0;
        if (e.kind == event::module_load && !new_load_seen && e.identity.find(new_hash_key) != std::string::npos)
            take = new_load_seen = true;
        if (e.kind == event::load_failure && !failure_seen) take = failure_seen = true;
        if (take) steps.push_back(SwapEvent{"host:" + e.kind, (e.steady_us - start_us) * 1000, e.detail});
    }
    return steps;
}

std::string sha256_or_throw(const std::string& path, const std::string& what) {
    auto digest = platform::sha256_file(path);
    if (!digest) throw std::runtime_error("cannot read " + what + " " + path);
    return *digest;
}

// The old builds the swap could not delete while they were loaded: by now
// the old worker has exited (or, attached, had the whole run to drain).
void remove_deferred_leftovers(SwapTrace& trace, const RunClock& clock) {
    for (const auto& leftover : trace.leftovers) {
        std::string error;
        const bool ok = platform::remove_file(leftover, error);
        trace.events.push_back(SwapEvent{ok ? "delete_old" : "delete_old_failed", clock.now_ns(),
                                         ok ? fs::path(leftover).filename().string() + " (after the load)" : error});
    }
}

// The host's options for a strategy, a policy and a mode.
std::vector<std::string> host_arguments(const SwapConfig& c, const std::string& live) {
    std::vector<std::string> args{"--map", c.url_path + "=" + live, "--preload", "--shutdown-time-limit", "5000"};
    if (c.mode == SwapMode::uncached) args.push_back("--uncached");
    if (c.strategy == Strategy::shadow) args.push_back("--shadow-copy");
    if (c.recycle == RecyclePolicy::watch) args.insert(args.end(), {"--watch", "--watch-interval", "20"});
    args.insert(args.end(), c.host_args.begin(), c.host_args.end());
    return args;
}

// Reads the run's requests back from its binary log.
std::vector<SwapRequest> read_requests(const std::string& log_path, const std::string& old_sha,
                                       const std::string& new_sha) {
    std::ifstream in(log_path, std::ios::binary);
    std::vector<SwapRequest> requests;
    std::string error;
    const long long n = read_binary_log(in, [&](const RequestRecord& r, std::string_view build) {
        SwapRequest q;
        q.record = r;
        q.answer = classify_answer(r, build, old_sha, new_sha);
        if (q.answer == Answer::failed) q.failure = failure_class(r);
        requests.push_back(q);
    }, error);
    if (n < 0) throw std::runtime_error(log_path + ": " + error);
    return requests;
}

// Every failure, and an even sample of the answered requests.
std::vector<SwapPoint> timeline_points(const std::vector<SwapRequest>& requests) {
    std::size_t answered = 0;
    for (const auto& q : requests) answered += q.answer != Answer::failed;
    const std::size_t stride = answered > kMaxPoints ? (answered + kMaxPoints - 1) / kMaxPoints : 1;
    std::vector<SwapPoint> points;
    std::size_t seen = 0;
    for (const auto& q : requests) {
        const bool failed = q.answer == Answer::failed;
        if (!failed && seen++ % stride != 0) continue;
        const auto& r = q.record;
        const double latency = r.done_ns >= 0 && r.intended_ns >= 0 ? static_cast<double>(r.done_ns - r.intended_ns) / 1e3 : 0;
        points.push_back(SwapPoint{r.intended_ns, latency, q.answer, std::string(q.failure)});
    }
    return points;
}

}  // namespace

SwapReport run_swap(const SwapConfig& c, const ProgressFn& progress) {
    const bool attached = c.attach_host.has_value();
    RunFolder work("isapi-swap", c.keep_files);

    SwapReport report;
    report.strategy = std::string(to_string(c.strategy));
    report.mode = std::string(to_string(c.mode));
    report.recycle = std::string(to_string(c.recycle));
    report.rate = c.rate;
    report.copy_rate = c.copy_rate;
    report.new_file = c.new_file;

    // The live path: the user's (attached), or a copy of the old build in
    // the private folder, as a deployment would have it.
    std::string live = c.live_path;
    if (!attached) {
        fs::create_directories(work / "site");
        live = (fs::path(work / "site") / ("app" + std::string(platform::module_suffix()))).string();
        std::string error;
        if (!platform::copy_file_atomically(c.old_file, live, error)) throw std::runtime_error(error);
    }
    report.live_path = live;
    report.old_file = attached ? live : c.old_file;
    report.old_sha256 = sha256_or_throw(live, "the live module");
    // A backup of the old build, for the rollback.
    const std::string backup = work / "old-build.backup";
    if (std::string error; !platform::copy_file_atomically(live, backup, error)) throw std::runtime_error(error);

    std::unique_ptr<HostProcess> host;
    Url base, admin;
    if (attached) {
        base = *c.attach_host;
        admin = c.attach_admin ? *c.attach_admin : throw std::invalid_argument("--host needs --admin");
    } else {
        host = start_loopback_host(locate_host_executable(c.host_exe), host_arguments(c, live), work / "host.log");
        base = base_url(*host);
        admin = admin_url(*host);
    }
    // An attached host may serve https://; the host swap starts serves plain HTTP.
    report.target = base.origin() + c.url_path;

    // Refuse a new build that is not a complete module before touching the
    // live path: there would be nothing to roll back to in the worst case.
    std::string detail;
    const auto state = platform::module_file_state(c.new_file, detail);
    if (state != platform::ModuleFileState::complete) {
        report.trace.failed = true;
        report.trace.error = "the new build " + c.new_file + " is not a complete module (" + detail +
                             "); the swap was not started and the live path is untouched";
        report.trace.events.push_back(SwapEvent{"refused", 0, report.trace.error});
        if (host) report.host_exit = host->stop().describe();
        return report;
    }
    report.new_sha256 = sha256_or_throw(c.new_file, "the new build");

    // The host's events from here on: the verify step watches them, and the
    // report shows the host's own steps.
    HostEventFeed feed(admin, c.admin_token);
    feed.poll();
    std::vector<HostEvent> host_events_seen;
    SwapHooks hooks;
    if (c.recycle == RecyclePolicy::immediate || c.recycle == RecyclePolicy::overlapped) {
        hooks.recycle = [&](std::string& error) {
            try {
                const auto reply = http_call(admin, "POST", std::string(contract::admin::recycle) + "?mode=" + report.recycle, c.admin_token);
                if (reply.status / 100 == 2) return true;
                error = "the admin API answered " + std::to_string(reply.status) + ": " + reply.body;
            } catch (const std::exception& e) {
                error = e.what();
            }
            return false;
        };
    }
    hooks.verify = [&](std::string& note) {
        try {
            return wait_for_new_build(feed, report.new_sha256, c.verify_timeout_ns, host_events_seen, note);
        } catch (const std::exception& e) {
            note = std::string("cannot read the host's events: ") + e.what();
            return true;  // unknown is not a failure of the build
        }
    };

    RunPlan plan;
    plan.target = Url::parse(report.target);
    if (attached) plan.tls = c.attach_tls;
    if (c.requests.empty()) {
        RequestSpec spec;
        spec.target = plan.target.target;
        plan.templates.push_back(serialize_request(spec, plan.target.authority));
    } else {
        plan.templates = aimed_templates(c.requests, {c.url_path}, plan.target.authority);
        report.requests = c.requests_from;
    }
    plan.model = Model::open_rate;
    plan.schedule = RateSchedule::constant(c.rate, static_cast<double>(c.duration_ns) / 1e9);
    plan.threads = c.threads;
    plan.connections = c.connections;
    plan.duration_ns = c.duration_ns;
    plan.timeout_ns = c.timeout_ns;
    plan.log_path = c.log_path.empty() ? work / "requests.bin" : c.log_path;
    plan.log_format = LogFormat::binary;

    const SwapFiles files{live, c.new_file, backup};
    std::thread swapper;
    Clock::time_point run_start;
    plan.on_start = [&](Clock::time_point start) {
        run_start = start;
        swapper = std::thread([&, start] {
            std::this_thread::sleep_until(start + std::chrono::nanoseconds(c.at_ns));
            report.trace = perform_swap(c.strategy, c.copy_rate, files, hooks, RunClock(start));
        });
    };
    try {
        report.load = run_load(plan, progress);
    } catch (...) {
        if (swapper.joinable()) swapper.join();
        throw;
    }
    swapper.join();
    try {
        for (auto& e : feed.poll()) host_events_seen.push_back(std::move(e));
        for (auto& step : host_steps(host_events_seen, run_start, report.new_sha256))
            report.trace.events.push_back(std::move(step));
    } catch (const std::exception& e) {
        report.trace.events.push_back(SwapEvent{"host:events_unavailable", report.trace.end_ns, e.what()});
    }
    if (host) report.host_exit = host->stop().describe();
    remove_deferred_leftovers(report.trace, RunClock(run_start));
    if (!report.load.log_error.empty()) throw std::runtime_error(report.load.log_error);

    const auto requests = read_requests(plan.log_path, report.old_sha256, report.new_sha256);
    report.measures = analyse_swap(requests, report.trace);
    std::vector<std::string> labels;
    labels.reserve(plan.templates.size());
    for (const auto& t : plan.templates) labels.push_back(request_label(t.bytes));
    report.measures.urls = measures_by_url(requests, labels, kWorstUrls);
    report.points = timeline_points(requests);
    // The first answer of the new build is a step of the swap too.
    if (report.measures.switchover_ms >= 0) {
        const auto t = report.trace.start_ns + static_cast<std::int64_t>(report.measures.switchover_ms * 1e6);
        report.trace.events.push_back(SwapEvent{"first_new_response", t, ""});
    }
    std::stable_sort(report.trace.events.begin(), report.trace.events.end(),
                     [](const SwapEvent& a, const SwapEvent& b) { return a.t_ns < b.t_ns; });
    return report;
}

}  // namespace isapi::loadgen
