#include "lifecycle_jitter.hpp"

#include <charconv>
#include <thread>

namespace isapi::host {
namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

}  // namespace

LifecycleJitter::LifecycleJitter(std::optional<JitterSpec> spec) : spec_(spec) {
    if (!spec_) return;
    for (std::size_t point = 0; point < streams_.size(); ++point) {
        std::uint64_t mix = spec_->seed ^ (0xd1b54a32d192ed03ULL * (point + 1));
        streams_[point] = splitmix64(mix);
    }
}

std::chrono::microseconds LifecycleJitter::next(JitterPoint point) {
    if (!spec_ || spec_->max.count() <= 0) return std::chrono::microseconds(0);
    std::lock_guard lock(mutex_);
    const std::uint64_t draw = splitmix64(streams_[static_cast<std::size_t>(point)]);
    return std::chrono::microseconds(static_cast<std::int64_t>(draw % (static_cast<std::uint64_t>(spec_->max.count()) + 1)));
}

void LifecycleJitter::pause(JitterPoint point) {
    const auto pause = next(point);
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
}

std::optional<JitterSpec> parse_jitter(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    JitterSpec spec;
    const std::string_view seed = text.substr(0, colon);
    auto [seed_end, seed_ec] = std::from_chars(seed.data(), seed.data() + seed.size(), spec.seed);
    if (seed.empty() || seed_ec != std::errc{} || seed_end != seed.data() + seed.size()) return std::nullopt;
    const std::string_view max = text.substr(colon + 1);
    std::int64_t amount = 0;
    auto [end, ec] = std::from_chars(max.data(), max.data() + max.size(), amount);
    if (max.empty() || ec != std::errc{} || amount < 0) return std::nullopt;
    const std::string_view unit(end, static_cast<std::size_t>(max.data() + max.size() - end));
    if (unit == "us") spec.max = std::chrono::microseconds(amount);
    else if (unit == "ms" || unit.empty()) spec.max = std::chrono::milliseconds(amount);
    else if (unit == "s") spec.max = std::chrono::seconds(amount);
    else return std::nullopt;
    return spec;
}

}  // namespace isapi::host
