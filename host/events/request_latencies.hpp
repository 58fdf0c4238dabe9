#pragma once
// Request latency histograms per mapping and per build of its module, for
// the metrics endpoint (isapi_request_duration_seconds). Recording takes no
// lock and allocates nothing: the mappings and their build slots are fixed
// arrays scanned with atomic loads. Only a mapping's first request and a
// build's first request take the mutex, to fill a slot.
//
// The label sets are bounded: at most kMaxMappings mappings (the rest are not
// recorded), and per mapping the kBuildsKept builds that appeared last. A
// new build takes the slot of the one that appeared first, whose series then
// ends (docs/admin.md#metrics).
#include "latency_histogram.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace isapi::host {

class RequestLatencies {
public:
    static constexpr std::size_t kMaxMappings = 64;
    // The current build and the three before it: enough for an overlapped
    // recycle (old and new serve side by side) and a few swaps back and
    // forth, while builds that are gone leave within a few swaps.
    static constexpr std::size_t kBuildsKept = 4;

    struct Labels {
        std::string mapping;  // the mapping's URL, "/app.dll" or "*.isa"
        std::string module;   // the module's file name
    };

    struct Series {
        Labels labels;
        std::string build;  // short SHA-256 of the module file, or "unknown"
        LatencyHistogram::Snapshot histogram;
    };

    // One request of the mapping `key` (an address that names the mapping
    // for the host's whole life), served by the module whose file has the
    // hex SHA-256 `sha256` (empty: unknown). `labels()` is called only for
    // the mapping's first request.
    template <class LabelsOf>
    void record(const void* key, std::string_view sha256, std::chrono::nanoseconds elapsed, LabelsOf&& labels) {
        if (PerMapping* m = mapping(key, labels)) m->slot_for(build_key(sha256), sha256, mutex_, claims_).record(elapsed);
    }

    // The same when the caller no longer knows the build (a worker already
    // reported the module unloaded): the mapping's build that appeared last.
    template <class LabelsOf>
    void record_latest(const void* key, std::chrono::nanoseconds elapsed, LabelsOf&& labels) {
        if (PerMapping* m = mapping(key, labels)) m->latest(mutex_, claims_).record(elapsed);
    }

    // Every series, per mapping in the order first seen, builds oldest first.
    std::vector<Series> snapshot() const;

    // 12 hex digits as a number with the top bit set; kUnknownBuild for
    // anything else. No allocation: this runs per request.
    static std::uint64_t build_key(std::string_view sha256) noexcept;
    static constexpr std::uint64_t kUnknownBuild = std::uint64_t{1} << 62;

private:
    struct Build {
        std::atomic<std::uint64_t> key{0};      // 0: free
        std::atomic<std::uint64_t> claimed{0};  // order of claims: the oldest is replaced first
        std::string label;                      // under the mutex
        LatencyHistogram histogram;
    };

    struct PerMapping {
        std::atomic<const void*> key{nullptr};
        Labels labels;  // written before `key` is published
        std::array<Build, kBuildsKept> builds;

        LatencyHistogram& slot_for(std::uint64_t build, std::string_view sha256, std::mutex& mutex,
                                   std::uint64_t& claims);
        LatencyHistogram& latest(std::mutex& mutex, std::uint64_t& claims);
        Build& claim(std::uint64_t build, std::string_view sha256, std::uint64_t& claims);  // under the mutex
    };

    PerMapping* find(const void* key) noexcept;
    PerMapping* add(const void* key, Labels labels);

    template <class LabelsOf>
    PerMapping* mapping(const void* key, LabelsOf& labels) {
        PerMapping* m = find(key);
        return m ? m : add(key, labels());
    }

    std::array<PerMapping, kMaxMappings> mappings_;
    std::atomic<std::size_t> used_{0};
    mutable std::mutex mutex_;  // adding mappings, claiming build slots, snapshots
    std::uint64_t claims_ = 0;  // under the mutex
};

}  // namespace isapi::host
