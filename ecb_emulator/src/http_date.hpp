#pragma once
// The RFC 9110 IMF-fixdate for the Date header, formatted at most once per
// second per thread.
#include <string_view>

namespace isapi::ecb::detail {

// The view stays valid until the calling thread calls this again.
std::string_view http_date_now();

}  // namespace isapi::ecb::detail
