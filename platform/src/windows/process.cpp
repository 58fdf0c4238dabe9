// The parts of the process seam in-process hosting needs on Windows: this
// process's id and executable. Starting worker processes and their channel
// (CreateProcess, a named pipe) are not ported yet, so system_process_control
// is not defined here and no channel can be adopted (docs/windows.md).
#include <isapi/platform/process.hpp>

#include "text.hpp"

#include <cstdio>

#include <windows.h>

namespace isapi::platform {

std::string ExitStatus::describe() const {
    // Windows has no signals: a crash is an exit code, an NTSTATUS such as
    // 0xC0000005 (access violation), best read in hexadecimal.
    if (signaled) return "killed by signal " + std::to_string(code);
    const auto unsigned_code = static_cast<std::uint32_t>(code);
    if (unsigned_code >= 0xC0000000u) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "0x%08X", unsigned_code);
        return std::string("exited with code ") + hex;
    }
    return "exited with code " + std::to_string(code);
}

std::string current_executable() {
    std::wstring path(MAX_PATH, L'\0');
    for (;;) {
        const DWORD length = ::GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
        if (length == 0) return {};
        if (length < path.size()) {
            path.resize(length);
            return windows::narrow(path);
        }
        path.resize(path.size() * 2);  // truncated: long paths exceed MAX_PATH
    }
}

ProcessId current_process_id() { return static_cast<ProcessId>(::GetCurrentProcessId()); }

std::optional<NativeChannel> adopt_channel(const std::string&) {
    return std::nullopt;  // no front end on Windows starts workers yet
}

void close_channel(NativeChannel channel) {
    if (channel != kNoChannel) ::CloseHandle(reinterpret_cast<HANDLE>(channel));
}

}  // namespace isapi::platform
