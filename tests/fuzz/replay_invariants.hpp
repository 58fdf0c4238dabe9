#pragma once
// What every replay reader promises about its result, whatever the input
// (loadgen/replay/readers.hpp): it returns instead of throwing, every entry
// can be sent (its target starts with '/', its method is not empty), and the
// entries and skipped lines keep the order and line numbers of the file.
#include "fuzz_check.hpp"
#include "replay/readers.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

namespace isapi::fuzz {

inline std::size_t line_count(std::string_view text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

// `lines`: the most line numbers the input can have (0: the reader numbers
// something other than lines, as HAR numbers entries).
inline void check_replay_source(const loadgen::ReplaySource& source, std::size_t lines) {
    std::size_t previous = 0;
    for (const auto& entry : source.entries) {
        FUZZ_REQUIRE(entry.request.target.starts_with('/'));
        FUZZ_REQUIRE(!entry.request.method.empty());
        FUZZ_REQUIRE(entry.line > previous);
        if (lines != 0) FUZZ_REQUIRE(entry.line <= lines);
        if (entry.time_ms) FUZZ_REQUIRE(std::isfinite(*entry.time_ms));
        previous = entry.line;
    }
    for (const auto& bad : source.malformed) {
        if (lines != 0) FUZZ_REQUIRE(bad.line <= lines);
        FUZZ_REQUIRE(!bad.reason.empty());
        FUZZ_REQUIRE(!bad.describe().empty());
    }
    // One line gives one entry or one complaint at most.
    if (lines != 0) FUZZ_REQUIRE(source.entries.size() + source.malformed.size() <= lines);
}

// Runs `read` (one of the readers) on the fuzz input and checks the result.
// `by_line`: the reader numbers lines (W3C, JSON lines), not entries (HAR).
template <class Reader>
loadgen::ReplaySource read_checked(Reader read, const std::uint8_t* data, std::size_t size, const std::string& name,
                                   bool by_line) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::istringstream in(text);
    auto source = read(in, name);
    check_replay_source(source, by_line ? line_count(text) : 0);
    return source;
}

}  // namespace isapi::fuzz
