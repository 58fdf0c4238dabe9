#pragma once
// Tells a complete PE image (.dll, .exe) from one still being copied, by the
// lengths its own headers describe. Internal to the platform library.
#include <isapi/platform/files.hpp>

#include <windows.h>

#include <cstdint>
#include <string>

namespace isapi::platform {

// The state of the open file `file`, `size` bytes long, as module_file_state
// reports it (never `missing`).
ModuleFileState pe_file_state(HANDLE file, std::uint64_t size, std::string& detail);

}  // namespace isapi::platform
