#include "conn_registry.hpp"

#include "session.hpp"

namespace isapi::ecb::detail {

namespace {
// Ids start well above small integers, so a ConnID that is 0, 1 or a small
// index (common garbage) is recognised as never issued.
constexpr std::uint64_t kFirstId = 0x10000;
constexpr std::uint64_t kTombstone = 1;
constexpr std::size_t kInitialSlots = 256;
}  // namespace

std::uint64_t conn_value(HCONN id) { return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(id)); }

ConnRegistry& ConnRegistry::instance() {
    static ConnRegistry registry;
    return registry;
}

ConnRegistry::ConnRegistry() : next_id_(kFirstId) {
    for (Shard& shard : shards_) shard.slots.resize(kInitialSlots);
}

ConnRegistry::Slot* ConnRegistry::Shard::find(std::uint64_t id) {
    const std::size_t mask = slots.size() - 1;
    for (std::size_t i = (id / kShards) & mask;; i = (i + 1) & mask) {
        Slot& slot = slots[i];
        if (slot.id == id) return &slot;
        if (slot.id == 0) return nullptr;
    }
}

void ConnRegistry::Shard::insert(std::uint64_t id, std::shared_ptr<Session> session) {
    // At most half full, so every probe meets an empty slot soon.
    if ((used + 1) * 2 > slots.size()) grow();
    const std::size_t mask = slots.size() - 1;
    std::size_t i = (id / kShards) & mask;
    while (slots[i].id != 0 && slots[i].id != kTombstone) i = (i + 1) & mask;
    if (slots[i].id == 0) ++used;
    slots[i].id = id;
    slots[i].session = std::move(session);
}

void ConnRegistry::Shard::grow() {
    std::vector<Slot> old = std::move(slots);
    std::size_t live = 0;
    for (const Slot& slot : old) live += slot.id > kTombstone;
    // Rehashing drops the tombstones; double only when live ids need it.
    std::size_t size = old.size();
    while ((live + 1) * 4 > size) size *= 2;
    slots.assign(size, Slot{});
    used = 0;
    for (Slot& slot : old) {
        if (slot.id > kTombstone) insert(slot.id, std::move(slot.session));
    }
}

HCONN ConnRegistry::add(std::shared_ptr<Session> session) {
    const std::uint64_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
    Shard& shard = shard_for(id);
    {
        std::lock_guard lock(shard.mutex);
        shard.insert(id, std::move(session));
    }
    return reinterpret_cast<HCONN>(static_cast<std::uintptr_t>(id));
}

std::shared_ptr<Session> ConnRegistry::find(HCONN conn) const {
    const std::uint64_t id = conn_value(conn);
    Shard& shard = shard_for(id);
    if (id <= kTombstone) return nullptr;
    std::lock_guard lock(shard.mutex);
    const Slot* slot = shard.find(id);
    return slot ? slot->session : nullptr;
}

void ConnRegistry::retire(HCONN conn, std::string_view module, std::uint64_t load_generation, std::uintptr_t proc) {
    const std::uint64_t id = conn_value(conn);
    Shard& shard = shard_for(id);
    std::shared_ptr<Session> released;  // destroyed after the lock is dropped
    if (id <= kTombstone) return;
    std::lock_guard lock(shard.mutex);
    Slot* slot = shard.find(id);
    if (!slot) return;
    released = std::move(slot->session);
    slot->id = kTombstone;
    RetiredEntry& entry = shard.retired[shard.next_retired];
    shard.next_retired = (shard.next_retired + 1) % kRingPerShard;
    entry.id = id;
    entry.module.assign(module);
    entry.load_generation = load_generation;
    entry.proc = proc;
}

ConnRegistry::Miss ConnRegistry::explain(HCONN conn) const {
    const std::uint64_t id = conn_value(conn);
    Miss miss;
    miss.issued = id >= kFirstId && id < next_id_.load(std::memory_order_relaxed);
    if (!miss.issued) return miss;
    Shard& shard = shard_for(id);
    std::lock_guard lock(shard.mutex);
    for (const RetiredEntry& entry : shard.retired) {
        if (entry.id != id) continue;
        miss.remembered = true;
        miss.module = entry.module;
        miss.load_generation = entry.load_generation;
        break;
    }
    return miss;
}

std::optional<ConnRegistry::Owner> ConnRegistry::owner_of_ecb(const void* address) const {
    for (Shard& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        for (const Slot& slot : shard.slots)
            if (slot.session && &slot.session->ecb == address)
                return Owner{slot.session->module(), slot.session->load_generation()};
    }
    return std::nullopt;
}

std::optional<ConnRegistry::Owner> ConnRegistry::owner_of_code(std::uintptr_t begin, std::uintptr_t end) const {
    const auto inside = [&](std::uintptr_t proc) { return proc >= begin && proc < end; };
    std::optional<Owner> latest;
    std::uint64_t latest_id = 0;
    for (Shard& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        for (const Slot& slot : shard.slots) {
            if (!slot.session || slot.id <= latest_id || !inside(slot.session->proc())) continue;
            latest_id = slot.id;
            latest = Owner{slot.session->module(), slot.session->load_generation()};
        }
        for (const RetiredEntry& entry : shard.retired) {
            if (entry.id <= latest_id || !inside(entry.proc)) continue;
            latest_id = entry.id;
            latest = Owner{entry.module, entry.load_generation};
        }
    }
    return latest;
}

}  // namespace isapi::ecb::detail
