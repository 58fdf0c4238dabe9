// The IIS W3C log reader on arbitrary bytes: directives, columns that change
// between blocks, dates and times that do not parse.
#include "replay_invariants.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto source = isapi::fuzz::read_checked(isapi::loadgen::read_w3c, data, size, "fuzz.log", true);
    for (const auto& entry : source.entries) {
        // The stem is kept as written: a query only ever comes after it.
        FUZZ_REQUIRE(entry.request.target.find(' ') == std::string::npos);
    }
    return 0;
}
