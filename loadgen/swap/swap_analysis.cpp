#include "swap_analysis.hpp"

#include <isapi/contract/host_contract.hpp>

#include <algorithm>
#include <array>
#include <limits>

#include "../stats/histogram.hpp"

namespace isapi::loadgen {
namespace {

// Names for statuses that carry a meaning in a swap; the others are
// "status_NNN" from this table of every 4xx/5xx.
constexpr std::string_view status_class(std::uint16_t status) {
    switch (status) {
        case 404: return "module_missing";
        case 500: return "module_unloadable";
        case 502: return "worker_lost";
        case 503: return "unavailable";
        default: return {};
    }
}

// "status_NNN" with static storage, for statuses 100..599.
std::string_view other_status_name(std::uint16_t status) {
    static const auto names = [] {
        std::array<std::string, 600> all;
        for (std::size_t s = 100; s < all.size(); ++s) all[s] = "status_" + std::to_string(s);
        return all;
    }();
    return status < names.size() && status >= 100 ? std::string_view(names[status]) : std::string_view("status_other");
}

bool module_failure(std::string_view cls) { return cls == "module_missing" || cls == "module_unloadable"; }

std::int64_t latency_ns(const RequestRecord& r) {
    return r.done_ns >= 0 && r.intended_ns >= 0 ? r.done_ns - r.intended_ns : 0;
}

// The send time of a request (its intended time when it was never written).
std::int64_t send_ns(const RequestRecord& r) { return r.sent_ns >= 0 ? r.sent_ns : r.intended_ns; }

PhaseLatency summarize(const Histogram& h) {
    return PhaseLatency{h.count(), static_cast<double>(h.percentile(50)), static_cast<double>(h.percentile(99)),
                        static_cast<double>(h.max())};
}

}  // namespace

std::string_view failure_class(const RequestRecord& r) {
    if (r.cls == ErrorClass::ok) return {};
    if (r.status != 0) {
        const std::string_view named = status_class(r.status);
        return named.empty() ? other_status_name(r.status) : named;
    }
    return class_name(r.cls);
}

std::string_view build_hash(std::string_view identity) {
    constexpr std::string_view key = contract::kIdentityHashKey;
    const auto at = identity.find(key);
    if (at == std::string_view::npos) return {};
    const auto begin = at + key.size();
    const auto end = identity.find(';', begin);
    return identity.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin);
}

Answer classify_answer(const RequestRecord& r, std::string_view identity, std::string_view old_sha256,
                       std::string_view new_sha256) {
    if (r.cls != ErrorClass::ok) return Answer::failed;
    const std::string_view hash = build_hash(identity);
    if (hash.empty() || hash == "unknown") return Answer::other_build;
    // The header carries a prefix of the full digest.
    if (old_sha256.substr(0, hash.size()) == hash) return Answer::old_build;
    if (new_sha256.substr(0, hash.size()) == hash) return Answer::new_build;
    return Answer::other_build;
}

SwapMeasures analyse_swap(const std::vector<SwapRequest>& requests, const SwapTrace& trace, std::int64_t bucket_ns) {
    SwapMeasures m;
    m.bucket_ns = bucket_ns;
    m.sent = requests.size();
    if (trace.window_start_ns >= 0 && trace.window_end_ns >= trace.window_start_ns)
        m.window_us = static_cast<double>(trace.window_end_ns - trace.window_start_ns) / 1e3;

    constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
    std::int64_t first_failure_sent = kNever, last_failure_done = -1;
    std::int64_t first_module_failure = kNever, last_module_failure = -1;
    std::int64_t first_module_send = kNever, last_module_send = -1;
    std::uint64_t module_failures = 0;
    std::int64_t first_new = kNever, last_old = -1;
    std::int64_t last_time = 0;
    for (const auto& q : requests) {
        const auto& r = q.record;
        last_time = std::max({last_time, r.intended_ns, r.done_ns});
        switch (q.answer) {
            case Answer::old_build:
                ++m.answered_old;
                last_old = std::max(last_old, r.done_ns);
                break;
            case Answer::new_build:
                ++m.answered_new;
                if (r.done_ns >= 0) first_new = std::min(first_new, r.done_ns);
                break;
            case Answer::other_build: ++m.answered_other; break;
            case Answer::failed: {
                ++m.dropped;
                ++m.dropped_by_class[std::string(q.failure)];
                first_failure_sent = std::min(first_failure_sent, send_ns(r));
                last_failure_done = std::max(last_failure_done, std::max(r.done_ns, send_ns(r)));
                // The end of a failed request, not its send: a request can
                // wait in the host's queue before it looks at the file, but a
                // failed load is answered at once, so its end marks when the
                // host found no complete module.
                if (module_failure(q.failure) && r.done_ns >= 0) {
                    first_module_failure = std::min(first_module_failure, r.done_ns);
                    last_module_failure = std::max(last_module_failure, r.done_ns);
                    first_module_send = std::min(first_module_send, send_ns(r));
                    last_module_send = std::max(last_module_send, send_ns(r));
                    ++module_failures;
                }
                break;
            }
        }
    }
    if (last_failure_done >= 0) m.outage_us = static_cast<double>(last_failure_done - first_failure_sent) / 1e3;
    // The failures sample the window once per request: their span falls
    // short of the window by one interval between requests on average (half
    // an interval at each edge), so that mean interval is added back.
    if (last_module_failure >= 0) {
        const double span = static_cast<double>(last_module_failure - first_module_failure);
        const double interval = module_failures > 1 ? static_cast<double>(last_module_send - first_module_send) /
                                                          static_cast<double>(module_failures - 1)
                                                    : 0;
        m.implied_window_us = (span + interval) / 1e3;
    }
    const std::int64_t swap_start = trace.start_ns >= 0 ? trace.start_ns : 0;
    if (first_new != kNever) m.switchover_ms = static_cast<double>(first_new - swap_start) / 1e6;
    if (first_new != kNever && last_old > first_new) m.overlap_ms = static_cast<double>(last_old - first_new) / 1e6;

    // "During" lasts from the swap's start until the swap, its failures and
    // the switchover are all over.
    m.during_end_ns = std::max({trace.end_ns, last_failure_done, first_new == kNever ? -1 : first_new, swap_start});
    Histogram before, during, after;
    for (const auto& q : requests) {
        const auto& r = q.record;
        const auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(1, latency_ns(r) / 1000));
        if (r.intended_ns < swap_start) before.record(us);
        else if (r.intended_ns <= m.during_end_ns) during.record(us);
        else after.record(us);
    }
    m.before = summarize(before);
    m.during = summarize(during);
    m.after = summarize(after);

    // The timeline, bucketed by intended send time.
    if (bucket_ns <= 0 || requests.empty()) return m;
    m.timeline.resize(static_cast<std::size_t>(last_time / bucket_ns) + 1);
    for (std::size_t i = 0; i < m.timeline.size(); ++i) m.timeline[i].start_ns = static_cast<std::int64_t>(i) * bucket_ns;
    for (const auto& q : requests) {
        const auto& r = q.record;
        if (r.intended_ns < 0) continue;
        auto& b = m.timeline[static_cast<std::size_t>(r.intended_ns / bucket_ns)];
        switch (q.answer) {
            case Answer::old_build: ++b.old_build; break;
            case Answer::new_build: ++b.new_build; break;
            case Answer::other_build: ++b.other_build; break;
            case Answer::failed: ++b.failed; break;
        }
        b.max_latency_us = std::max(b.max_latency_us, static_cast<double>(latency_ns(r)) / 1e3);
    }
    // Throughput: whole buckets only, the last (partial) one left out.
    const double per_second = 1e9 / static_cast<double>(bucket_ns);
    double before_sum = 0;
    std::size_t before_buckets = 0;
    m.min_rate_during = -1;
    for (std::size_t i = 0; i + 1 < m.timeline.size(); ++i) {
        const auto& b = m.timeline[i];
        const double rate = (b.old_build + b.new_build + b.other_build) * per_second;
        const std::int64_t end = b.start_ns + bucket_ns;
        if (end <= swap_start) {
            before_sum += rate;
            ++before_buckets;
        } else if (b.start_ns <= m.during_end_ns) {
            m.min_rate_during = m.min_rate_during < 0 ? rate : std::min(m.min_rate_during, rate);
        }
    }
    m.rate_before = before_buckets ? before_sum / static_cast<double>(before_buckets) : 0;
    if (m.min_rate_during < 0) m.min_rate_during = m.rate_before;
    if (m.rate_before > 0) m.dip_percent = std::max(0.0, 100.0 * (1.0 - m.min_rate_during / m.rate_before));
    return m;
}

std::string request_label(std::string_view request_bytes) {
    const auto line = request_bytes.substr(0, request_bytes.find("\r\n"));
    const auto method_end = line.find(' ');
    if (method_end == std::string_view::npos) return std::string(line);
    auto target = line.substr(method_end + 1);
    target = target.substr(0, target.find(' '));
    target = target.substr(0, target.find('?'));
    return std::string(line.substr(0, method_end)) + " " + std::string(target);
}

std::vector<UrlMeasures> measures_by_url(const std::vector<SwapRequest>& requests,
                                         const std::vector<std::string>& labels, std::size_t limit) {
    std::map<std::string_view, UrlMeasures> by_label;
    for (const auto& q : requests) {
        // Both sides string_view: a std::string side would make the result a
        // temporary string, and the view would dangle.
        const std::string_view label =
            q.record.request < labels.size() ? std::string_view(labels[q.record.request]) : std::string_view("?");
        auto& m = by_label[label];
        ++m.sent;
        switch (q.answer) {
            case Answer::old_build: ++m.answered_old; break;
            case Answer::new_build: ++m.answered_new; break;
            case Answer::other_build: break;
            case Answer::failed:
                ++m.dropped;
                ++m.dropped_by_class[std::string(q.failure)];
                break;
        }
    }
    if (by_label.size() < 2) return {};
    std::vector<UrlMeasures> urls;
    urls.reserve(by_label.size());
    for (auto& [label, m] : by_label) {
        m.url = std::string(label);
        urls.push_back(std::move(m));
    }
    // Shares compared as cross products: exact, and no division by zero.
    std::sort(urls.begin(), urls.end(), [](const UrlMeasures& a, const UrlMeasures& b) {
        if (a.dropped != b.dropped) return a.dropped > b.dropped;
        if (a.dropped * b.sent != b.dropped * a.sent) return a.dropped * b.sent > b.dropped * a.sent;
        return a.url < b.url;
    });
    if (urls.size() > limit) urls.resize(limit);
    return urls;
}

}  // namespace isapi::loadgen
