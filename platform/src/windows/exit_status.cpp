// How a Windows process ended, in words. There are no signals: a crash is
// the exception's NTSTATUS as the exit code, best read in hexadecimal.
#include <isapi/platform/process.hpp>

#include "exception_names.hpp"

#include <cstdint>
#include <cstdio>

namespace isapi::platform {
namespace {

std::string hex(std::uint32_t bits) {
    char text[16];
    std::snprintf(text, sizeof text, "0x%08X", static_cast<unsigned>(bits));
    return text;
}

}  // namespace

std::string ExitStatus::describe() const {
    if (signaled) return "killed by signal " + std::to_string(code);
    const auto bits = static_cast<std::uint32_t>(code);
    if (code == kKilledExitCode) return "killed (exit code " + std::to_string(code) + ")";
    if (crashed()) {
        const char* name = windows::exception_name(bits);
        return "crashed with " + hex(bits) + (name != nullptr ? std::string(" (") + name + ")" : std::string());
    }
    if (bits >= 0x80000000u && bits != 0xFFFFFFFFu) return "exited with code " + hex(bits);
    return "exited with code " + std::to_string(code);
}

}  // namespace isapi::platform
