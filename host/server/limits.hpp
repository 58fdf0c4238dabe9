#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace isapi::host {

// Per-connection limits the front end enforces before any extension runs.
// docs/limits.md lists them with what each bad input gets.
struct ServerLimits {
    std::size_t max_header_bytes = 16 * 1024;        // header, and trailer after it; beyond: 431
    std::uint64_t max_body_bytes = 32 * 1024 * 1024;  // beyond: 413
    std::chrono::milliseconds request_timeout{30'000};  // a request (or body read) stalled this long: 408
    std::chrono::milliseconds write_timeout{30'000};    // a client not reading this long is dropped
    // A body must arrive at this average rate while the request waits for it,
    // after a grace period (the smaller of request_timeout and 5 s); 0: no
    // minimum. Without it a client that sends one byte per timeout holds its
    // request forever. HTTP.sys has no such rule for request bodies (its
    // minBytesPerSecond, 240, is for responses); the rate and grace are
    // those ASP.NET Core's Kestrel applies to request bodies.
    std::uint32_t min_body_bytes_per_second = 240;
};

}  // namespace isapi::host
