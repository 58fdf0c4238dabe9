#pragma once
// hang: an extension entry point (GetExtensionVersion, HttpExtensionProc,
// TerminateExtension) that has not returned within the hang timeout. A
// watchdog thread reports each such call once, with every thread's stack
// when gdb is on PATH (platform::all_thread_stacks).
//
// EntryPointCall marks one call: for the crash handler (the thread is inside
// an entry point) and, while a watch runs, for the watchdog.
#include <isapi/ecb/finding.hpp>
#include <isapi/platform/crash_handler.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace isapi::host {

class EntryPointCall {
public:
    // `module` must outlive the call.
    EntryPointCall(const char* entry_point, const std::string& module, std::uint64_t load_generation);
    ~EntryPointCall();
    EntryPointCall(const EntryPointCall&) = delete;
    EntryPointCall& operator=(const EntryPointCall&) = delete;

private:
    platform::EntryPointScope scope_;
    std::uint64_t watched_ = 0;  // its id in the watch, 0 when none runs
};

// One per process at a time (the extension runtime's). `timeout` 0 watches nothing.
class HangWatch {
public:
    HangWatch(std::chrono::milliseconds timeout, ecb::FindingSink findings);
    ~HangWatch();  // stops the watchdog; calls still running stay unreported
    HangWatch(const HangWatch&) = delete;
    HangWatch& operator=(const HangWatch&) = delete;

private:
    bool owner_ = false;  // false: timeout 0, or another watch was running
};

}  // namespace isapi::host
