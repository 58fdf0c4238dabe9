#pragma once
// One finished request, as the per-request log stores it. Times are
// nanoseconds on the steady clock since the start of the run. `done` is when
// the request ended: its response complete, or its failure noticed. A time
// that never happened (a request dropped before it was written, a response
// that never began) is -1.
#include <cstdint>

#include "error_class.hpp"

namespace isapi::loadgen {

struct RequestRecord {
    std::int64_t intended_ns = -1;
    std::int64_t sent_ns = -1;
    std::int64_t first_byte_ns = -1;
    std::int64_t done_ns = -1;
    std::uint64_t bytes = 0;      // response bytes read, headers included
    std::uint32_t connection = 0; // run-wide connection id (thread * 65536 + slot)
    std::uint16_t status = 0;     // 0 when no status line arrived
    std::uint16_t thread = 0;
    ErrorClass cls = ErrorClass::ok;
    std::uint32_t request = 0;    // which request template it was sent from (a replay file's entry)
};

}  // namespace isapi::loadgen
