#pragma once
// A file an extension hands the host to send (TRANSMIT_FILE's hFile, a
// VECTOR_SEND file element): a descriptor on POSIX (HSE_FD_TO_HANDLE), a
// Win32 HANDLE on Windows. The host only reads it, at an offset and without
// moving the file position, because the extension may be using it too.
#include <cstddef>
#include <cstdint>

namespace isapi::platform {

// The handle's value as the extension passed it. Windows keeps handle values
// within 32 bits so that 32- and 64-bit processes can share them, and a
// descriptor is an int: the value survives the trip through HANDLE.
using ExtensionFile = std::intptr_t;

inline ExtensionFile extension_file(const void* handle) { return reinterpret_cast<std::intptr_t>(handle); }

// Errors are Win32 error codes (0: success), as the extension's completion
// sees them: on POSIX a bad descriptor is ERROR_INVALID_HANDLE (6) and any
// other failure ERROR_ACCESS_DENIED (5).
std::uint32_t extension_file_size(ExtensionFile file, std::uint64_t& size);

// Reads up to `want` bytes at `offset`. At or past the end: success, got 0.
std::uint32_t extension_file_read(ExtensionFile file, char* buffer, std::size_t want, std::uint64_t offset,
                                  std::size_t& got);

}  // namespace isapi::platform
