#include "diagnostics.hpp"

#include <isapi/ecb/dispatch.hpp>

#include <spdlog/spdlog.h>

#include <mutex>
#include <unordered_set>

namespace isapi::ecb {

namespace {

std::mutex sink_mutex;
FindingSink orphan_sink;

std::mutex warned_mutex;
std::unordered_set<DWORD> warned_codes;

}  // namespace

void set_orphan_finding_sink(FindingSink sink) {
    std::lock_guard lock(sink_mutex);
    orphan_sink = std::move(sink);
}

namespace detail {

void report_orphan_finding(const Finding& finding) {
    FindingSink sink;
    {
        std::lock_guard lock(sink_mutex);
        sink = orphan_sink;  // copied so a slow sink never holds the lock
    }
    if (sink) {
        sink(finding);
    } else {
        spdlog::warn("ecb finding {}: {}", finding.kind, finding.evidence);
    }
}

void warn_unsupported_once(DWORD code) {
    {
        std::lock_guard lock(warned_mutex);
        if (!warned_codes.insert(code).second) return;
    }
    spdlog::warn("ServerSupportFunction request {} is not supported; it fails with ERROR_INVALID_PARAMETER", code);
}

}  // namespace detail
}  // namespace isapi::ecb
