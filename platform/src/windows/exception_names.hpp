#pragma once
// Names for the exception codes (NTSTATUS) a crashing Windows process most
// often ends with: shared by exit statuses and crash notes.
#include <cstdint>

namespace isapi::platform::windows {

// nullptr for a code without a name here.
inline const char* exception_name(std::uint32_t status) {
    switch (status) {
        case 0xC0000005u: return "access violation";
        case 0xC0000006u: return "in-page error";
        case 0xC00000FDu: return "stack overflow";
        case 0xC0000409u: return "stack buffer overrun";
        case 0xC0000374u: return "heap corruption";
        case 0x80000003u: return "breakpoint";
        case 0xC000001Du: return "illegal instruction";
        case 0xC0000096u: return "privileged instruction";
        case 0xC0000094u: return "integer divide by zero";
        case 0xE06D7363u: return "Microsoft C++ exception";  // an MSVC-built throw
        default: return nullptr;
    }
}

}  // namespace isapi::platform::windows
