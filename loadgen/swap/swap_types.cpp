#include "swap_types.hpp"

#include <array>
#include <utility>

namespace isapi::loadgen {
namespace {

template <typename E, std::size_t N>
std::optional<E> find_by_name(std::string_view text, const std::array<std::pair<E, std::string_view>, N>& names) {
    for (const auto& [value, name] : names)
        if (name == text) return value;
    return std::nullopt;
}

template <typename E, std::size_t N>
std::string_view name_of(E value, const std::array<std::pair<E, std::string_view>, N>& names) {
    for (const auto& [v, name] : names)
        if (v == value) return name;
    return "?";
}

constexpr std::array<std::pair<Strategy, std::string_view>, 6> kStrategyNames{{
    {Strategy::rename_copy, "rename-copy"},
    {Strategy::overwrite, "overwrite"},
    {Strategy::rename_rename, "rename-rename"},
    {Strategy::replace, "replace"},
    {Strategy::exchange, "exchange"},
    {Strategy::shadow, "shadow"},
}};
constexpr std::array<std::pair<RecyclePolicy, std::string_view>, 4> kRecycleNames{{
    {RecyclePolicy::none, "none"},
    {RecyclePolicy::immediate, "immediate"},
    {RecyclePolicy::overlapped, "overlapped"},
    {RecyclePolicy::watch, "watch"},
}};
constexpr std::array<std::pair<SwapMode, std::string_view>, 2> kModeNames{{
    {SwapMode::cached, "cached"},
    {SwapMode::uncached, "uncached"},
}};

}  // namespace

std::string_view to_string(Strategy s) { return name_of(s, kStrategyNames); }
std::string_view to_string(RecyclePolicy r) { return name_of(r, kRecycleNames); }
std::string_view to_string(SwapMode m) { return name_of(m, kModeNames); }
std::optional<Strategy> parse_strategy(std::string_view text) { return find_by_name(text, kStrategyNames); }
std::optional<RecyclePolicy> parse_recycle_policy(std::string_view text) { return find_by_name(text, kRecycleNames); }
std::optional<SwapMode> parse_swap_mode(std::string_view text) { return find_by_name(text, kModeNames); }

}  // namespace isapi::loadgen
