#pragma once
// A lifecycle bug observed while hosting an extension (the kinds: docs/race-hunting.md).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace isapi::ecb {

// The kinds the ECB emulator itself reports (the host adds its detectors'):
//   ecb_after_done, double_done   a callback after the request was done; a
//                                 second DONE_WITH_SESSION
//   invalid_conn_id               a callback with a ConnID never issued;
//                                 attributed to the request whose ECB it
//                                 is, else to the module whose code called
//   exception_escaped             a C++ exception out of an entry point or a
//                                 completion routine
//   body_before_header            body bytes written before any header
//   bad_response_header           header lines left out because they were
//                                 malformed or could split the response (bare
//                                 CR, control characters, Transfer-Encoding
//                                 with Content-Length...), or a status line
//                                 refused for control characters
//   body_past_content_length      body bytes past the declared Content-Length,
//                                 left out (the client would read them as the
//                                 next response)
struct Finding {
    std::string kind;      // e.g. "ecb_after_done", "double_done", "exception_escaped"
    std::string module;    // module file name ("unknown" only when no request of the calling code is known)
    std::uint64_t load_generation = 0;
    std::chrono::steady_clock::time_point time = std::chrono::steady_clock::now();
    std::string evidence;  // one human-readable line
};

using FindingSink = std::function<void(const Finding&)>;

}  // namespace isapi::ecb
