#include <isapi/platform/extension_file.hpp>

#include <windows.h>

namespace isapi::platform {

namespace {
HANDLE handle_of(ExtensionFile file) { return reinterpret_cast<HANDLE>(file); }
}  // namespace

std::uint32_t extension_file_size(ExtensionFile file, std::uint64_t& size) {
    LARGE_INTEGER length{};
    if (!::GetFileSizeEx(handle_of(file), &length)) return ::GetLastError();
    size = static_cast<std::uint64_t>(length.QuadPart);
    return NO_ERROR;
}

// An OVERLAPPED offset works for both kinds of handle; one opened with
// FILE_FLAG_OVERLAPPED (as IIS extensions often do) completes asynchronously,
// so the read waits on an event of its own, never on the handle, which
// another read of the extension's may signal.
std::uint32_t extension_file_read(ExtensionFile file, char* buffer, std::size_t want, std::uint64_t offset,
                                  std::size_t& got) {
    got = 0;
    OVERLAPPED request{};
    request.Offset = static_cast<DWORD>(offset);
    request.OffsetHigh = static_cast<DWORD>(offset >> 32);
    request.hEvent = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    if (request.hEvent == nullptr) return ::GetLastError();
    DWORD read = 0;
    DWORD error = NO_ERROR;
    if (!::ReadFile(handle_of(file), buffer, static_cast<DWORD>(want), &read, &request)) {
        error = ::GetLastError();
        if (error == ERROR_IO_PENDING)
            error = ::GetOverlappedResult(handle_of(file), &request, &read, TRUE) ? NO_ERROR : ::GetLastError();
    }
    ::CloseHandle(request.hEvent);
    if (error == ERROR_HANDLE_EOF) error = NO_ERROR;  // no bytes left: got stays 0, as at EOF on POSIX
    got = read;
    return error;
}

}  // namespace isapi::platform
