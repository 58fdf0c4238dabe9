#pragma once
// Small complete responses the host itself produces (errors, refusals).
#include <string>
#include <string_view>

namespace isapi::host {

// A complete HTTP/1.1 response with a text/plain body and Content-Length.
std::string canned_response(unsigned status, std::string_view body, bool keep_alive);

}  // namespace isapi::host
