#pragma once
// Process-wide reporting that has no request at hand: findings about ConnIDs
// of no live request, and the one-time warning per unsupported request code.
#include <isapi/ecb/finding.hpp>

#include <httpext.h>

namespace isapi::ecb::detail {

void report_orphan_finding(const Finding& finding);

// Logs an unsupported ServerSupportFunction code the first time it is seen in
// this process; a chatty extension cannot flood the log.
void warn_unsupported_once(DWORD code);

}  // namespace isapi::ecb::detail
