#include "request_latencies.hpp"

#include "../modules/build_identity.hpp"

#include <algorithm>

namespace isapi::host {

std::uint64_t RequestLatencies::build_key(std::string_view sha256) noexcept {
    if (sha256.size() < kShortHashDigits) return kUnknownBuild;
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < kShortHashDigits; ++i) {
        const char c = sha256[i];
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (digit < 0) return kUnknownBuild;
        value = value << 4 | static_cast<std::uint64_t>(digit);
    }
    return value | std::uint64_t{1} << 63;
}

RequestLatencies::PerMapping* RequestLatencies::find(const void* key) noexcept {
    const std::size_t used = used_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < used; ++i)
        if (mappings_[i].key.load(std::memory_order_acquire) == key) return &mappings_[i];
    return nullptr;
}

RequestLatencies::PerMapping* RequestLatencies::add(const void* key, Labels labels) {
    const std::lock_guard lock(mutex_);
    if (PerMapping* m = find(key)) return m;  // another thread added it meanwhile
    const std::size_t used = used_.load(std::memory_order_relaxed);
    if (used == kMaxMappings) return nullptr;
    PerMapping& m = mappings_[used];
    m.labels = std::move(labels);
    m.key.store(key, std::memory_order_release);
    used_.store(used + 1, std::memory_order_release);
    return &m;
}

LatencyHistogram& RequestLatencies::PerMapping::slot_for(std::uint64_t build, std::string_view sha256,
                                                      std::mutex& mutex, std::uint64_t& claims) {
    for (Build& b : builds)
        if (b.key.load(std::memory_order_acquire) == build) return b.histogram;
    const std::lock_guard lock(mutex);
    return claim(build, sha256, claims).histogram;
}

LatencyHistogram& RequestLatencies::PerMapping::latest(std::mutex& mutex, std::uint64_t& claims) {
    Build* newest = nullptr;
    for (Build& b : builds)
        if (b.key.load(std::memory_order_acquire) != 0 &&
            (!newest || b.claimed.load(std::memory_order_relaxed) > newest->claimed.load(std::memory_order_relaxed)))
            newest = &b;
    if (newest) return newest->histogram;
    const std::lock_guard lock(mutex);
    return claim(kUnknownBuild, {}, claims).histogram;
}

RequestLatencies::Build& RequestLatencies::PerMapping::claim(std::uint64_t build, std::string_view sha256,
                                                          std::uint64_t& claims) {
    for (Build& b : builds)
        if (b.key.load(std::memory_order_relaxed) == build) return b;  // claimed while this thread waited
    // A free slot, else the build that appeared first. A request of that
    // build being recorded right now may land in the new series: one
    // sample, of the oldest of kBuildsKept + 1 builds.
    Build* slot = &builds[0];
    for (Build& b : builds) {
        if (b.key.load(std::memory_order_relaxed) == 0) {
            slot = &b;
            break;
        }
        if (b.claimed.load(std::memory_order_relaxed) < slot->claimed.load(std::memory_order_relaxed)) slot = &b;
    }
    slot->key.store(0, std::memory_order_release);
    slot->histogram.reset();
    slot->label = build == kUnknownBuild ? "unknown" : std::string(sha256.substr(0, kShortHashDigits));
    slot->claimed.store(++claims, std::memory_order_relaxed);
    slot->key.store(build, std::memory_order_release);
    return *slot;
}

std::vector<RequestLatencies::Series> RequestLatencies::snapshot() const {
    const std::lock_guard lock(mutex_);
    std::vector<Series> out;
    const std::size_t used = used_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < used; ++i) {
        const PerMapping& m = mappings_[i];
        std::vector<const Build*> builds;
        for (const Build& b : m.builds)
            if (b.key.load(std::memory_order_acquire) != 0) builds.push_back(&b);
        std::sort(builds.begin(), builds.end(), [](const Build* a, const Build* b) {
            return a->claimed.load(std::memory_order_relaxed) < b->claimed.load(std::memory_order_relaxed);
        });
        for (const Build* b : builds) out.push_back({m.labels, b->label, b->histogram.snapshot()});
    }
    return out;
}

}  // namespace isapi::host
