#pragma once
// Small HTTP text facts shared by the emulator and the host's own answers.
#include <isapi/ecb/request.hpp>

#include <string_view>

namespace isapi::ecb {

// The standard reason phrase for a status code, or "Unknown".
std::string_view reason_phrase(unsigned code);

// The value of the first request header named `name` (ASCII case ignored),
// or empty when there is none.
std::string_view find_header(const Request& request, std::string_view name);

}  // namespace isapi::ecb
