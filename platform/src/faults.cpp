#include <isapi/platform/faults.hpp>

#include <atomic>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace isapi::platform {
namespace {

struct FaultPoint {
    bool every_call = false;
    std::vector<std::uint64_t> failing_calls;  // 1-based call numbers
    std::atomic<std::uint64_t> calls{0};
};

// std::less<> lets fault_injected look a string_view up without a copy.
using FaultPlan = std::map<std::string, FaultPoint, std::less<>>;

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

// Adds one "point" or "point:N" entry; false when it is malformed.
bool add_entry(FaultPlan& plan, std::string_view entry) {
    const auto colon = entry.find(':');
    const std::string_view name = trimmed(entry.substr(0, colon));
    if (name.empty()) return false;
    if (colon == std::string_view::npos) {
        plan[std::string(name)].every_call = true;
        return true;
    }
    const std::string_view number = trimmed(entry.substr(colon + 1));
    std::uint64_t nth = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), nth);
    if (ec != std::errc{} || end != number.data() + number.size() || nth == 0) return false;
    plan[std::string(name)].failing_calls.push_back(nth);
    return true;
}

std::shared_ptr<FaultPlan> parse_plan(std::string_view text) {
    auto plan = std::make_shared<FaultPlan>();
    while (!text.empty()) {
        const auto comma = text.find(',');
        const std::string_view entry = trimmed(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        // Empty entries ("a,,b", a trailing comma) are harmless and skipped.
        if (!entry.empty() && !add_entry(*plan, entry)) {
            std::fprintf(stderr, "ISAPI_FAULTS: ignoring malformed entry '%.*s' (expected NAME or NAME:N, N >= 1)\n",
                         static_cast<int>(entry.size()), entry.data());
        }
    }
    return plan;
}

// The plan is shared so that a call in flight keeps the plan it looked at
// (and its counters) alive while a test replaces it.
class FaultState {
public:
    FaultState() {
        const char* text = std::getenv("ISAPI_FAULTS");
        plan_ = parse_plan(text ? text : "");
    }

    std::shared_ptr<FaultPlan> plan() const {
        std::lock_guard lock(mutex_);
        return plan_;
    }

    void replace(std::shared_ptr<FaultPlan> plan) {
        std::lock_guard lock(mutex_);
        plan_ = std::move(plan);
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<FaultPlan> plan_;
};

// Read lazily, once, on first use: a function-local static is initialised
// thread-safely, and a process that never asks never reads the environment.
FaultState& state() {
    static FaultState instance;
    return instance;
}

}  // namespace

bool fault_injected(std::string_view point) {
    const auto plan = state().plan();
    const auto it = plan->find(point);
    if (it == plan->end()) return false;
    FaultPoint& fault = it->second;
    const std::uint64_t call = fault.calls.fetch_add(1, std::memory_order_relaxed) + 1;
    if (fault.every_call) return true;
    for (const std::uint64_t nth : fault.failing_calls) {
        if (nth == call) return true;
    }
    return false;
}

void set_fault_plan(const std::string& plan) { state().replace(parse_plan(plan)); }

}  // namespace isapi::platform
