#pragma once
// A lifecycle bug observed while hosting an extension (DESIGN.md §5).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace isapi::ecb {

struct Finding {
    std::string kind;      // e.g. "ecb_after_done", "double_done", "exception_escaped"
    std::string module;    // module file name, empty when unknown
    std::uint64_t load_generation = 0;
    std::chrono::steady_clock::time_point time = std::chrono::steady_clock::now();
    std::string evidence;  // one human-readable line
};

using FindingSink = std::function<void(const Finding&)>;

}  // namespace isapi::ecb
