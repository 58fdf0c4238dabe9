#pragma once
// Turns the request records of a swap run and the swap's own trace into the
// measures docs/swap.md describes: dropped requests by class, the rename window (as
// the swap saw it, and as the failures imply it), the outage, the
// switchover, the overlap of both builds, latency before/during/after and
// the throughput dip. Pure: no sockets, no files; unit-tested as such.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "../stats/request_record.hpp"
#include "swap_types.hpp"

namespace isapi::loadgen {

// Which build answered, or how the request failed.
enum class Answer : std::uint8_t { old_build, new_build, other_build, failed };

// One request as the swap sees it (a RequestRecord plus its build).
struct SwapRequest {
    RequestRecord record;
    Answer answer = Answer::failed;
    std::string_view failure;  // failures only: the class name (static storage)
};

// The failure class of a request that was not answered by a build:
// module_missing (404: no file at the live path), module_unloadable (500: a
// partial file, not a module, GetExtensionVersion refused), worker_lost
// (502), unavailable (503), status_NNN for other statuses, or the transport
// class (reset, eof, timeout, refused, keepalive_race, io_error).
std::string_view failure_class(const RequestRecord& r);

// The short SHA-256 in an X-Isapi-Build value ("app.so; sha256=3f2a9c1b7d04;
// pid=..."), empty when there is none.
std::string_view build_hash(std::string_view identity);

// Classifies by the build's short hash against the old and new files' full
// SHA-256 (a prefix match).
Answer classify_answer(const RequestRecord& r, std::string_view identity, std::string_view old_sha256,
                       std::string_view new_sha256);

struct PhaseLatency {
    std::uint64_t count = 0;
    double p50_us = 0;
    double p99_us = 0;
    double max_us = 0;
};

// One slice of the timeline (for the HTML report and the throughput dip).
struct TimelineBucket {
    std::int64_t start_ns = 0;
    std::uint32_t old_build = 0;
    std::uint32_t new_build = 0;
    std::uint32_t other_build = 0;
    std::uint32_t failed = 0;
    double max_latency_us = 0;
};

// What the requests to one URL (method and path; the query left out) saw,
// for the table of the worst URLs when the load is a mix.
struct UrlMeasures {
    std::string url;  // "GET /app.dll/orders"
    std::uint64_t sent = 0;
    std::uint64_t answered_old = 0;
    std::uint64_t answered_new = 0;
    std::uint64_t dropped = 0;
    std::map<std::string, std::uint64_t> dropped_by_class;
};

struct SwapMeasures {
    std::uint64_t sent = 0;
    std::uint64_t answered_old = 0;
    std::uint64_t answered_new = 0;
    std::uint64_t answered_other = 0;  // a build that is neither file (a torn copy that loaded)
    std::uint64_t dropped = 0;         // every request no build answered
    std::map<std::string, std::uint64_t> dropped_by_class;
    double window_us = 0;           // the live path held no complete module (from the trace)
    // From the module_missing/unloadable failures: first to last end, plus
    // their mean send interval (the sampling's expected shortfall); -1: none.
    double implied_window_us = -1;
    double outage_us = 0;           // first failure's send to the last failure's end; 0: none
    double switchover_ms = -1;      // swap start to the first answer of the new build; -1: never
    double overlap_ms = 0;          // first new answer to the last old answer, when the old came later
    PhaseLatency before, during, after;
    std::int64_t during_end_ns = -1;  // the "during" phase: swap start to this
    double rate_before = 0;           // answered per second before the swap
    double min_rate_during = 0;       // lowest bucket during the swap, per second
    double dip_percent = 0;           // 100 * (1 - min_rate_during / rate_before), at least 0
    std::int64_t bucket_ns = 0;
    std::vector<TimelineBucket> timeline;
    // Worst first (measures_by_url); empty when every request had one URL.
    std::vector<UrlMeasures> urls;
};

// Latency is the corrected one: from each request's intended send time.
SwapMeasures analyse_swap(const std::vector<SwapRequest>& requests, const SwapTrace& trace,
                          std::int64_t bucket_ns = 50'000'000);

// "GET /app.dll/orders" from a request as it goes on the wire: its method
// and target up to the query.
std::string request_label(std::string_view request_bytes);

// The requests grouped by the label of the template each was sent from
// (`labels[record.request]`; templates may share a label), worst first: most
// dropped, then the largest share dropped, then by name. At most `limit`
// URLs; none when there is only one.
std::vector<UrlMeasures> measures_by_url(const std::vector<SwapRequest>& requests,
                                         const std::vector<std::string>& labels, std::size_t limit);

}  // namespace isapi::loadgen
