// The JSON-lines replay reader on arbitrary bytes: each line parsed alone,
// with headers as an object or as a list of pairs.
#include "replay_invariants.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto source = isapi::fuzz::read_checked(isapi::loadgen::read_jsonl, data, size, "fuzz.jsonl", true);
    for (const auto& entry : source.entries) {
        // offset_ms is refused when negative, so a kept one never is.
        if (entry.time_ms) FUZZ_REQUIRE(*entry.time_ms >= 0);
    }
    return 0;
}
