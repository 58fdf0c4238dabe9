#pragma once
// The process-wide table of live ConnIDs. A ConnID is a counter value, never
// a pointer, so a stale or forged one can be told apart from a live one
// without ever being dereferenced.
#include <httpext.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace isapi::ecb::detail {

class Session;

class ConnRegistry {
public:
    static ConnRegistry& instance();

    HCONN add(std::shared_ptr<Session> session);
    // The live session for `id`, or null.
    std::shared_ptr<Session> find(HCONN id) const;
    // Forgets a live id, remembering its module (and where its code is, by
    // its HttpExtensionProc) for later stale-use reports.
    void retire(HCONN id, std::string_view module, std::uint64_t load_generation, std::uintptr_t proc = 0);

    struct Miss {
        bool issued = false;      // false: never handed out (garbage or forged)
        bool remembered = false;  // the retired id is still in the ring
        std::string module;
        std::uint64_t load_generation = 0;
    };
    // Explains an id that find() did not know.
    Miss explain(HCONN id) const;

    // Whose call a bad ConnID came in: the live request whose ECB is at
    // `address` (the ECB pointer passed where its ConnID belongs), or the
    // module whose code holds [begin, end) by the latest live or recently
    // retired request whose HttpExtensionProc lies there (the load mapped
    // there now). Scans everything: for findings only.
    struct Owner {
        std::string module;
        std::uint64_t load_generation = 0;
    };
    std::optional<Owner> owner_of_ecb(const void* address) const;
    std::optional<Owner> owner_of_code(std::uintptr_t begin, std::uintptr_t end) const;

private:
    static constexpr std::size_t kShards = 16;      // spreads lock traffic across pool threads
    static constexpr std::size_t kRingPerShard = 256;  // 4096 recently retired ids in all

    struct RetiredEntry {
        std::uint64_t id = 0;
        std::string module;  // assign() reuses capacity: no allocation once warm
        std::uint64_t load_generation = 0;
        std::uintptr_t proc = 0;
    };

    // Live ids in an open-addressed table: ids are sequential, so (id /
    // kShards) spreads them perfectly, and no node is allocated per request.
    struct Slot {
        std::uint64_t id = 0;  // 0: empty; kTombstone: erased
        std::shared_ptr<Session> session;
    };

    struct Shard {
        mutable std::mutex mutex;
        std::vector<Slot> slots;
        std::size_t used = 0;  // live slots plus tombstones
        std::array<RetiredEntry, kRingPerShard> retired;
        std::size_t next_retired = 0;

        Slot* find(std::uint64_t id);
        void insert(std::uint64_t id, std::shared_ptr<Session> session);
        void grow();
    };

    ConnRegistry();
    Shard& shard_for(std::uint64_t id) const { return shards_[id % kShards]; }

    mutable std::array<Shard, kShards> shards_;
    std::atomic<std::uint64_t> next_id_;
};

std::uint64_t conn_value(HCONN id);

}  // namespace isapi::ecb::detail
