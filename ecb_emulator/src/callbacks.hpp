#pragma once
// The four function pointers of the ECB. Each one validates the ConnID
// before touching anything, so a stale, forged or garbage ConnID gets FALSE
// with ERROR_INVALID_PARAMETER and a finding, never a crash.
#include <httpext.h>

namespace isapi::ecb::detail {

void install_callbacks(EXTENSION_CONTROL_BLOCK& ecb);

}  // namespace isapi::ecb::detail
