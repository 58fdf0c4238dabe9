// How a Windows process ended, in words. There are no signals: a crash is
// the exception's NTSTATUS as the exit code, best read in hexadecimal.
#include <isapi/platform/process.hpp>

#include <cstdint>
#include <cstdio>

namespace isapi::platform {
namespace {

const char* crash_name(std::uint32_t status) {
    switch (status) {
        case 0xC0000005u: return "access violation";
        case 0xC00000FDu: return "stack overflow";
        case 0xC0000409u: return "stack buffer overrun";
        case 0x80000003u: return "breakpoint";
        case 0xC000001Du: return "illegal instruction";
        case 0xC0000094u: return "integer divide by zero";
        default: return nullptr;
    }
}

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
        const char* name = crash_name(bits);
        return "crashed with " + hex(bits) + (name != nullptr ? std::string(" (") + name + ")" : std::string());
    }
    if (bits >= 0x80000000u && bits != 0xFFFFFFFFu) return "exited with code " + hex(bits);
    return "exited with code " + std::to_string(code);
}

}  // namespace isapi::platform
