#pragma once
// Tells a complete ELF image from one still being copied, by the lengths its
// own headers describe. Internal to the platform library.
#include <isapi/platform/files.hpp>

#include <cstdint>
#include <string>

namespace isapi::platform {

// The state of the open file `fd`, `size` bytes long, as module_file_state
// reports it (never `missing`).
ModuleFileState elf_file_state(int fd, std::uint64_t size, std::string& detail);

}  // namespace isapi::platform
