#pragma once
// HTTP status codes as extensions give them ("200 OK", "404") and as we emit them.
#include <isapi/ecb/http_text.hpp>

#include <optional>
#include <string_view>

namespace isapi::ecb::detail {

// The code at the start of an extension's status text: three digits, then the
// end or a space. Text containing CR or LF is rejected, since it would let an
// extension forge the header block.
std::optional<unsigned> parse_status(std::string_view status);

}  // namespace isapi::ecb::detail
