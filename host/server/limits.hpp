#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace isapi::host {

// Per-connection limits the front end enforces before any extension runs.
struct ServerLimits {
    std::size_t max_header_bytes = 16 * 1024;        // beyond: 431
    std::uint64_t max_body_bytes = 32 * 1024 * 1024;  // beyond: 413
    std::chrono::milliseconds request_timeout{30'000};  // a request (or body read) stalled this long: 408
    std::chrono::milliseconds write_timeout{30'000};    // a client not reading this long is dropped
};

}  // namespace isapi::host
