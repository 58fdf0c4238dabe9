#pragma once
// Parsing of the human units the command line takes: "250us", "50ms", "10s",
// "2m", "1h" for durations; "1%" for ratios. Throws std::invalid_argument with
// a message naming the bad text.
#include <cstdint>
#include <string>
#include <string_view>

namespace isapi::loadgen {

// A duration in nanoseconds. A bare number takes `bare_unit_ns` (seconds by default).
std::int64_t parse_duration_ns(std::string_view text, std::int64_t bare_unit_ns = 1'000'000'000);

// Bytes per second: "200KiB/s", "2MiB/s", "1.5MB/s", "500000" (the "/s" is optional).
std::uint64_t parse_byte_rate(const std::string& text);

// "1.5ms", "230us", "2.00s": the shortest readable form of a duration.
std::string format_duration_us(double us);

}  // namespace isapi::loadgen
