#pragma once
// GetServerVariable's name lookup (docs/server-variables.md), kept free of the
// ECB so the error rules can be read in one place.
#include <isapi/ecb/http_text.hpp>
#include <isapi/ecb/request.hpp>

#include <string>
#include <string_view>

namespace isapi::ecb::detail {

struct VariableLookup {
    enum class Kind {
        value,    // `value` holds the answer
        all_http, // the caller builds ALL_HTTP (it needs a buffer of its own)
        no_data,  // ERROR_NO_DATA: IIS's code for a known name without a value;
                  // no variable here answers it (docs/server-variables.md)
        unknown,  // ERROR_INVALID_INDEX
    };
    Kind kind = Kind::unknown;
    std::string_view value;
};

// Scratch space for values that are not stored in the Request. Lives on the
// caller's stack; only the variables that need one touch a string.
struct VariableScratch {
    char number[24];
    std::string joined;    // a repeated header's values, comma-separated
    std::string composed;  // a value built from several parts (APPL_MD_PATH...)
    std::string wide;      // a UNICODE_ answer
};

// Names match case-insensitively. The common variables cost a binary search
// and no allocation; the views stay valid while `request` and `scratch` live.
//
// A UNICODE_ answer is UTF-16LE followed by ONE zero byte: the caller ends
// every answer with a zero byte, and a wide string's terminator is two. So
// the size the caller reports counts bytes, terminator included, as IIS's does.
VariableLookup lookup_server_variable(std::string_view name, const Request& request, VariableScratch& scratch);

// "HTTP_NAME:value\n" per header, names uppercased with '-' turned into '_'.
std::string build_all_http(const Request& request);

}  // namespace isapi::ecb::detail
