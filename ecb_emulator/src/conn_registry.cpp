#include "conn_registry.hpp"

#include "session.hpp"

namespace isapi::ecb::detail {

namespace {
// Ids start well above small integers, so a ConnID that is 0, 1 or a small
// index (common garbage) is recognised as never issued.
constexpr std::uint64_t kFirstId = 0x10000;
}  // namespace

std::uint64_t conn_value(HCONN id) { return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(id)); }

ConnRegistry& ConnRegistry::instance() {
    static ConnRegistry registry;
    return registry;
}

ConnRegistry::ConnRegistry() : next_id_(kFirstId) {
    for (Shard& shard : shards_) shard.live.reserve(64);
}

HCONN ConnRegistry::add(std::shared_ptr<Session> session) {
    const std::uint64_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
    Shard& shard = shard_for(id);
    {
        std::lock_guard lock(shard.mutex);
        shard.live.emplace(id, std::move(session));
    }
    return reinterpret_cast<HCONN>(static_cast<std::uintptr_t>(id));
}

std::shared_ptr<Session> ConnRegistry::find(HCONN conn) const {
    const std::uint64_t id = conn_value(conn);
    Shard& shard = shard_for(id);
    std::lock_guard lock(shard.mutex);
    const auto it = shard.live.find(id);
    return it == shard.live.end() ? nullptr : it->second;
}

void ConnRegistry::retire(HCONN conn, std::string_view module, std::uint64_t load_generation) {
    const std::uint64_t id = conn_value(conn);
    Shard& shard = shard_for(id);
    std::shared_ptr<Session> released;  // destroyed after the lock is dropped
    std::lock_guard lock(shard.mutex);
    const auto it = shard.live.find(id);
    if (it == shard.live.end()) return;
    released = std::move(it->second);
    shard.live.erase(it);
    RetiredEntry& entry = shard.retired[shard.next_retired];
    shard.next_retired = (shard.next_retired + 1) % kRingPerShard;
    entry.id = id;
    entry.module.assign(module);
    entry.load_generation = load_generation;
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

}  // namespace isapi::ecb::detail
