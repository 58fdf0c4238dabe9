#include "unload_records.hpp"

#include <isapi/platform/crash_handler.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>

namespace isapi::platform {
namespace {

// One unload, readable by the fault handler: a seqlock (odd while being
// written, 0 when empty), since the handler can neither lock nor wait.
struct UnloadSlot {
    std::atomic<std::uint64_t> sequence{0};
    std::atomic<std::uintptr_t> begin{0};
    std::atomic<std::uintptr_t> end{0};
    std::atomic<std::uint64_t> load_generation{0};
    std::atomic<std::int64_t> unloaded_ns{0};
    char module[96] = {};
};

constexpr std::size_t kSlots = 64;
UnloadSlot g_unloads[kSlots];

// A module mapped now; `id` 0 marks a free slot (written last, cleared first).
struct LoadedSlot {
    std::atomic<std::uint64_t> id{0};
    std::atomic<std::uintptr_t> begin{0};
    std::atomic<std::uintptr_t> end{0};
};
constexpr std::size_t kLoadedSlots = 256;
LoadedSlot g_loaded[kLoadedSlots];
std::mutex g_writers;  // note_unloaded and note_loaded; never the handler
std::size_t g_next_slot = 0;
std::uint64_t g_next_sequence = 2;

std::int64_t monotonic_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool in_loaded_module(std::uintptr_t address) {
    for (auto& slot : g_loaded) {
        const std::uint64_t id = slot.id.load(std::memory_order_acquire);
        if (id == 0) continue;
        const std::uintptr_t begin = slot.begin.load(std::memory_order_relaxed);
        const std::uintptr_t end = slot.end.load(std::memory_order_relaxed);
        std::atomic_thread_fence(std::memory_order_acquire);
        if (slot.id.load(std::memory_order_relaxed) == id && address >= begin && address < end) return true;
    }
    return false;
}

}  // namespace

bool find_unloaded(std::uintptr_t address, UnloadedHit& hit) {
    if (address == 0 || in_loaded_module(address)) return false;
    bool found = false;
    for (auto& slot : g_unloads) {
        const std::uint64_t before = slot.sequence.load(std::memory_order_acquire);
        if (before == 0 || before % 2 == 1) continue;
        const std::uintptr_t begin = slot.begin.load(std::memory_order_relaxed);
        const std::uintptr_t end = slot.end.load(std::memory_order_relaxed);
        if (address < begin || address >= end) continue;
        UnloadedHit candidate;
        std::memcpy(candidate.module, slot.module, sizeof(candidate.module));
        candidate.load_generation = slot.load_generation.load(std::memory_order_relaxed);
        candidate.unloaded_ns = slot.unloaded_ns.load(std::memory_order_relaxed);
        candidate.begin = begin;
        std::atomic_thread_fence(std::memory_order_acquire);
        if (slot.sequence.load(std::memory_order_relaxed) != before) continue;
        if (found && candidate.unloaded_ns <= hit.unloaded_ns) continue;
        candidate.module[sizeof(candidate.module) - 1] = '\0';
        hit = candidate;
        found = true;
    }
    return found;
}

void note_closed(std::uint64_t id) {
    std::lock_guard lock(g_writers);
    for (auto& loaded : g_loaded)
        if (loaded.id.load(std::memory_order_relaxed) == id) loaded.id.store(0, std::memory_order_release);
}

void note_unloaded(AddressRange range, std::string_view module, std::uint64_t load_generation, std::uint64_t id) {
    note_closed(id);
    std::lock_guard lock(g_writers);
    UnloadSlot& slot = g_unloads[g_next_slot++ % kSlots];
    const std::uint64_t sequence = g_next_sequence;
    g_next_sequence += 2;
    slot.sequence.store(sequence + 1, std::memory_order_relaxed);  // odd: being written
    std::atomic_thread_fence(std::memory_order_release);
    slot.begin.store(range.begin, std::memory_order_relaxed);
    slot.end.store(range.end, std::memory_order_relaxed);
    slot.load_generation.store(load_generation, std::memory_order_relaxed);
    slot.unloaded_ns.store(monotonic_ns(), std::memory_order_relaxed);
    const std::size_t n = std::min(module.size(), sizeof(slot.module) - 1);
    std::memcpy(slot.module, module.data(), n);
    slot.module[n] = '\0';
    slot.sequence.store(sequence, std::memory_order_release);
}

void note_loaded(AddressRange range, std::uint64_t id) {
    std::lock_guard lock(g_writers);
    for (auto& loaded : g_loaded) {
        if (loaded.id.load(std::memory_order_relaxed) != 0) continue;
        loaded.begin.store(range.begin, std::memory_order_relaxed);
        loaded.end.store(range.end, std::memory_order_relaxed);
        loaded.id.store(id, std::memory_order_release);
        break;
    }
    for (auto& slot : g_unloads) {
        if (slot.sequence.load(std::memory_order_relaxed) == 0) continue;
        const auto begin = slot.begin.load(std::memory_order_relaxed);
        const auto end = slot.end.load(std::memory_order_relaxed);
        if (begin < range.end && range.begin < end) slot.sequence.store(0, std::memory_order_release);
    }
}

}  // namespace isapi::platform
