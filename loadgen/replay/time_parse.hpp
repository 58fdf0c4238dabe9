#pragma once
// Timestamps found in replay files, as milliseconds since 1970-01-01 UTC.
// Each returns nullopt when the text is not in the expected form.
#include <optional>
#include <string_view>

namespace isapi::loadgen {

// W3C: date "2026-11-25" and time "13:01:02" (fractions of a second allowed).
std::optional<double> parse_w3c_time_ms(std::string_view date, std::string_view time);

// ISO 8601 as HAR writes it: "2026-11-25T13:01:02.123Z" or "...+01:00".
std::optional<double> parse_iso8601_ms(std::string_view text);

}  // namespace isapi::loadgen
