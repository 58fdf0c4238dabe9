#pragma once
// HTTP status codes as extensions give them ("200 OK", "404") and as we emit them.
#include <isapi/ecb/http_text.hpp>

#include <optional>
#include <string_view>

namespace isapi::ecb::detail {

// The code at the start of an extension's status text: three digits, then the
// end or a space. Text with a control character other than HTAB is rejected:
// CR or LF would let an extension forge the header block, and the others
// have no place in a status line.
std::optional<unsigned> parse_status(std::string_view status);

}  // namespace isapi::ecb::detail
