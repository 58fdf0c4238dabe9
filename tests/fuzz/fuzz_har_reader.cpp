// The HAR reader on arbitrary bytes: one JSON document whose entries each
// carry an absolute URL, headers and a start time.
#include "replay_invariants.hpp"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

namespace {

bool is_host(const std::string& name) {
    if (name.size() != 4) return false;
    for (std::size_t i = 0; i < 4; ++i)
        if (std::tolower(static_cast<unsigned char>(name[i])) != "host"[i]) return false;
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto source = isapi::fuzz::read_checked(isapi::loadgen::read_har, data, size, "fuzz.har", false);
    for (const auto& entry : source.entries) {
        // The URL is absolute, so a replayed request always names its host.
        bool host = false;
        for (const auto& header : entry.request.headers) host = host || is_host(header.first);
        FUZZ_REQUIRE(host);
        FUZZ_REQUIRE(entry.request.target.find('#') == std::string::npos);
    }
    return 0;
}
