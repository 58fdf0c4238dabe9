#pragma once
// GetServerVariable's name lookup (docs/extensions.md), kept free of the ECB so
// the error rules can be read in one place.
#include <isapi/ecb/http_text.hpp>
#include <isapi/ecb/request.hpp>

#include <string>
#include <string_view>

namespace isapi::ecb::detail {

struct VariableLookup {
    enum class Kind {
        value,    // `value` holds the answer
        all_http, // the caller builds ALL_HTTP (it needs a buffer of its own)
        no_data,  // a known name without a value: ERROR_NO_DATA
        unknown,  // ERROR_INVALID_INDEX
    };
    Kind kind = Kind::unknown;
    std::string_view value;
};

// Scratch space for values that are not stored in the Request (numbers, and
// joined repeated headers). Lives on the caller's stack.
struct VariableScratch {
    char number[24];
    std::string joined;  // only touched when a header is repeated
};

// Names match case-insensitively. The common variables cost a binary search
// and no allocation; the views stay valid while `request` and `scratch` live.
VariableLookup lookup_server_variable(std::string_view name, const Request& request, VariableScratch& scratch);

// "HTTP_NAME:value\n" per header, names uppercased with '-' turned into '_'.
std::string build_all_http(const Request& request);

// The first value of a header, case-insensitively; empty when absent.

}  // namespace isapi::ecb::detail
