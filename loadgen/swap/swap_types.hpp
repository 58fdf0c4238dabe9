#pragma once
// The vocabulary of a live swap (docs/swap.md): how the new module reaches
// the live path (strategy), what makes the host pick it up (recycle policy),
// and what the swap did, step by step, on the run's clock.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace isapi::loadgen {

enum class Strategy { rename_copy, overwrite, rename_rename, replace, exchange, shadow };
enum class RecyclePolicy { none, immediate, overlapped, watch };
enum class SwapMode { cached, uncached };

inline constexpr Strategy kAllStrategies[] = {Strategy::rename_copy, Strategy::overwrite, Strategy::rename_rename,
                                              Strategy::replace,     Strategy::exchange,  Strategy::shadow};
inline constexpr RecyclePolicy kAllRecyclePolicies[] = {RecyclePolicy::none, RecyclePolicy::immediate,
                                                        RecyclePolicy::overlapped, RecyclePolicy::watch};
inline constexpr SwapMode kAllSwapModes[] = {SwapMode::cached, SwapMode::uncached};

std::string_view to_string(Strategy s);
std::string_view to_string(RecyclePolicy r);
std::string_view to_string(SwapMode m);
// nullopt for an unknown name.
std::optional<Strategy> parse_strategy(std::string_view text);
std::optional<RecyclePolicy> parse_recycle_policy(std::string_view text);
std::optional<SwapMode> parse_swap_mode(std::string_view text);

// One step of the swap. Times are nanoseconds since the load run started
// (the same steady clock as every request record).
struct SwapEvent {
    std::string name;    // "rename", "copy_start", "copy_end", "recycle_request", "first_new_response", ...
    std::int64_t t_ns = 0;
    std::string detail;  // "app.so -> app.so.old", an error
};

// What the swap itself did and saw, before any request is looked at.
struct SwapTrace {
    std::vector<SwapEvent> events;
    std::int64_t start_ns = -1;         // first file operation
    std::int64_t end_ns = -1;           // last step (cleanup, or rollback) done
    // The live path held no complete module from window_start to window_end
    // (both -1 when it never did: the atomic strategies).
    std::int64_t window_start_ns = -1;
    std::int64_t window_end_ns = -1;
    bool failed = false;       // a step failed (the error says which); the run exits non-zero
    bool rolled_back = false;  // the old build was put back
    // A step failed before the live path changed (the OS refused it, or the
    // new file could not be read): it still holds the old build, untouched.
    bool untouched = false;
    bool unsupported = false;  // the strategy is not available here (exchange without renameat2)
    std::string error;
    // Old builds the swap could not delete yet (still loaded somewhere).
    std::vector<std::string> leftovers;
};

}  // namespace isapi::loadgen
