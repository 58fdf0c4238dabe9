#include "plan_builder.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "../models/units.hpp"
#include "../replay/readers.hpp"
#include "../replay/replay_span.hpp"

namespace isapi::loadgen {
namespace {

constexpr std::size_t kMaxShownMalformed = 50;

void apply_common(const CommonOptions& c, RunPlan& plan) {
    plan.tls.insecure = c.insecure;
    plan.tls.ca_file = c.ca_file;
    check_tls_options(plan.target, plan.tls);
    plan.threads = c.threads;
    plan.connections = c.connections;
    if (c.requests) plan.max_requests = c.requests;
    plan.timeout_ns = parse_duration_ns(c.timeout);
    if (plan.timeout_ns <= 0) throw std::invalid_argument("--timeout must be greater than 0");
    if (!c.duration.empty()) plan.duration_ns = parse_duration_ns(c.duration);
    plan.expect_status = c.expect_status;
    plan.log_path = c.log;
    if (!c.log.empty()) plan.log_format = log_format_from(c.log_format, c.log);
}

// --stages or --rate: the open loop at that rate (a plan with several
// templates sends them in turn).
void apply_rate(const CommonOptions& common, RunPlan& plan) {
    if (!common.stages.empty()) {
        plan.model = Model::open_rate;
        plan.schedule = RateSchedule::parse_stages(common.stages, common.rate);
    } else if (common.rate > 0) {
        plan.model = Model::open_rate;
        // Without --duration the run lasts 10 s, or as long as --requests takes at this rate.
        double seconds = 10.0;
        if (!common.duration.empty()) seconds = static_cast<double>(plan.duration_ns) / 1e9;
        else if (common.requests) seconds = static_cast<double>(common.requests) / common.rate;
        plan.schedule = RateSchedule::constant(common.rate, seconds);
    }
}

// --only-host: keeps the HAR entries on that host and says how many were
// skipped, and for which hosts (a page's CDNs, analytics...).
void only_host(ReplaySource& source, const ReplayOptions& replay, std::ostream& diagnostics) {
    if (!source.har)
        throw std::invalid_argument("--only-host picks a HAR file's entries by their URL's host; " + replay.file +
                                    " was not read as HAR");
    const std::size_t total = source.entries.size();
    const HostFilterResult r = keep_only_host(source, replay.only_host);
    constexpr std::size_t kShownHosts = 5;
    std::string hosts;
    for (std::size_t i = 0; i < r.skipped_hosts.size() && i < kShownHosts; ++i)
        hosts += (i ? ", " : ": ") + r.skipped_hosts[i].first + " (" + std::to_string(r.skipped_hosts[i].second) + ")";
    if (r.skipped_hosts.size() > kShownHosts)
        hosts += " and " + std::to_string(r.skipped_hosts.size() - kShownHosts) + " more hosts";
    if (r.kept == 0)
        throw std::runtime_error("--only-host " + replay.only_host + ": no entry of " + replay.file +
                                 " is on that host; its " + std::to_string(total) + " entries are on other hosts" + hosts);
    diagnostics << "isapi-loadgen: --only-host " << replay.only_host << ": replaying " << r.kept << " of " << total
                << " HAR entries, skipped " << r.skipped << " on other hosts" << hosts << '\n';
}

}  // namespace

std::pair<std::string, std::string> split_header(const std::string& h) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0)
        throw std::invalid_argument("header '" + h + "' is not 'Name: value'");
    std::string value = h.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    return {h.substr(0, colon), value};
}

std::string request_body(const std::string& option) {
    if (!option.starts_with('@')) return option;
    const std::string path = option.substr(1);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::invalid_argument("--body " + option + ": cannot read " + path);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (in.bad()) throw std::invalid_argument("--body " + option + ": cannot read " + path);
    return bytes.str();
}

RunPlan plan_for_run(const CommonOptions& common, const RunOptions& run) {
    RunPlan plan;
    plan.target = Url::parse(run.url);
    apply_common(common, plan);
    RequestSpec spec;
    spec.method = run.method;
    spec.target = plan.target.target;
    spec.body = request_body(run.body);
    spec.close_connection = common.no_keepalive;
    for (const auto& h : common.headers) spec.headers.push_back(split_header(h));
    plan.templates.push_back(serialize_request(spec, plan.target.authority));

    apply_rate(common, plan);
    if (common.duration.empty() && plan.model == Model::closed && common.requests == 0)
        plan.duration_ns = 10'000'000'000;  // the default run: 10 s
    return plan;
}

void apply_replay_timing(const ReplaySource& source, double speed, RunPlan& plan) {
    const auto& entries = source.entries;
    const double first = *entries.front().time_ms;
    plan.offsets_ns.clear();
    for (const auto& e : entries)
        plan.offsets_ns.push_back(static_cast<std::int64_t>(std::llround((*e.time_ms - first) * 1e6 / speed)));
    const std::int64_t span = plan.offsets_ns.back();
    // One pass lasts the file's span plus one average gap, so a loop does
    // not put the last and the first request at the same instant.
    const std::int64_t gap = entries.size() > 1 ? span / static_cast<std::int64_t>(entries.size() - 1)
                                                : static_cast<std::int64_t>(1e9 / speed);
    plan.period_ns = span + std::max<std::int64_t>(gap, 1);
    plan.model = Model::open_replay;
}

RunPlan plan_for_replay(const CommonOptions& common, const ReplayOptions& replay, std::ostream& diagnostics,
                        std::size_t& malformed) {
    RunPlan plan;
    plan.target = Url::parse(replay.target);
    apply_common(common, plan);
    // --rate or --stages paces the file's requests instead of its own timing
    // (vegeta's targets have none; a log's may be too slow or too fast).
    const bool paced = common.rate > 0 || !common.stages.empty();
    if (paced && replay.asap) throw std::invalid_argument("--asap and --rate/--stages contradict each other; choose one");
    if (!(replay.speed > 0)) throw std::invalid_argument("--speed must be greater than 0 (use --asap for no pacing)");
    const bool file_timing = !replay.asap && !paced;

    ReplaySource source = read_replay_file(replay.file, replay_format_from(replay.format));
    if (!replay.only_host.empty()) only_host(source, replay, diagnostics);
    if (file_timing) skip_unschedulable_times(source, replay.speed, replay.file);
    malformed = source.malformed.size();
    for (std::size_t i = 0; i < source.malformed.size() && i < kMaxShownMalformed; ++i)
        diagnostics << "isapi-loadgen: skipped " << source.malformed[i].describe() << '\n';
    if (malformed > kMaxShownMalformed)
        diagnostics << "isapi-loadgen: ... and " << malformed - kMaxShownMalformed << " more malformed lines\n";
    if (source.entries.empty()) throw std::runtime_error("no replayable request in " + replay.file);

    const bool timed = file_timing && std::all_of(source.entries.begin(), source.entries.end(),
                                                  [](const ReplayEntry& e) { return e.time_ms.has_value(); });
    if (file_timing && !timed)
        diagnostics << "isapi-loadgen: " << replay.file << " has no timing for every request; replaying as fast as possible\n";
    if (timed)
        std::stable_sort(source.entries.begin(), source.entries.end(),
                         [](const ReplayEntry& a, const ReplayEntry& b) { return *a.time_ms < *b.time_ms; });

    std::vector<std::pair<std::string, std::string>> extra;
    for (const auto& h : common.headers) extra.push_back(split_header(h));
    for (auto& e : source.entries) {
        e.request.headers.insert(e.request.headers.end(), extra.begin(), extra.end());
        e.request.close_connection = common.no_keepalive;
        plan.templates.push_back(serialize_request(e.request, plan.target.authority));
    }
    if (timed) apply_replay_timing(source, replay.speed, plan);
    if (paced) apply_rate(common, plan);

    const std::uint64_t n = plan.templates.size();
    if (replay.loop == 0) {
        if (common.duration.empty() && common.requests == 0)
            throw std::invalid_argument("--loop 0 repeats forever; bound it with --duration or --requests");
    } else {
        plan.max_requests = std::min(plan.max_requests, n * replay.loop);
    }
    return plan;
}

}  // namespace isapi::loadgen
