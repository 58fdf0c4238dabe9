#pragma once
// The file behind a file range of TRANSMIT_FILE or VECTOR_SEND, read at an
// offset without moving the file's position (the extension may be using it):
// a descriptor on POSIX (HSE_FD_TO_HANDLE), a Win32 HANDLE on Windows.
// Either travels in Segment::fd: Windows keeps handle values within 32 bits
// so that 32- and 64-bit processes can share them, so the cast loses nothing.
#include <httpext.h>

#include <cstddef>
#include <cstdint>

#if defined(_WIN32)
#include <windows.h>
#else
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#endif

namespace isapi::ecb::detail {

// Errors are GetLastError values, as the extension's completion sees them.
#if defined(_WIN32)

inline int segment_file(HANDLE file) { return static_cast<int>(reinterpret_cast<std::intptr_t>(file)); }

inline HANDLE segment_handle(int file) { return reinterpret_cast<HANDLE>(static_cast<std::intptr_t>(file)); }

inline DWORD segment_file_size(int file, std::uint64_t& size) {
    LARGE_INTEGER length{};
    if (!::GetFileSizeEx(segment_handle(file), &length)) return ::GetLastError();
    size = static_cast<std::uint64_t>(length.QuadPart);
    return NO_ERROR;
}

// An OVERLAPPED offset works for both kinds of handle; one opened with
// FILE_FLAG_OVERLAPPED (as IIS extensions often do) completes asynchronously,
// so the read waits on an event of its own, never on the handle, which
// another read of the extension's may signal.
inline DWORD segment_file_read(int file, char* buffer, std::size_t want, std::uint64_t offset, std::size_t& got) {
    got = 0;
    OVERLAPPED request{};
    request.Offset = static_cast<DWORD>(offset);
    request.OffsetHigh = static_cast<DWORD>(offset >> 32);
    request.hEvent = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    if (request.hEvent == nullptr) return ::GetLastError();
    DWORD read = 0;
    DWORD error = NO_ERROR;
    if (!::ReadFile(segment_handle(file), buffer, static_cast<DWORD>(want), &read, &request)) {
        error = ::GetLastError();
        if (error == ERROR_IO_PENDING) {
            error = ::GetOverlappedResult(segment_handle(file), &request, &read, TRUE) ? NO_ERROR : ::GetLastError();
        }
    }
    ::CloseHandle(request.hEvent);
    if (error == ERROR_HANDLE_EOF) error = NO_ERROR;  // no bytes left: got stays 0, as at EOF on POSIX
    got = read;
    return error;
}

#else

inline int segment_file(HANDLE file) { return HSE_HANDLE_TO_FD(file); }

inline DWORD segment_file_error(int err) { return err == EBADF ? ERROR_INVALID_HANDLE : ERROR_ACCESS_DENIED; }

inline DWORD segment_file_size(int file, std::uint64_t& size) {
    struct stat st {};
    if (::fstat(file, &st) != 0) return segment_file_error(errno);
    size = static_cast<std::uint64_t>(st.st_size);
    return NO_ERROR;
}

inline DWORD segment_file_read(int file, char* buffer, std::size_t want, std::uint64_t offset, std::size_t& got) {
    for (;;) {
        const ssize_t n = ::pread(file, buffer, want, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        got = n > 0 ? static_cast<std::size_t>(n) : 0;
        return n < 0 ? segment_file_error(errno) : DWORD{NO_ERROR};
    }
}

#endif

}  // namespace isapi::ecb::detail
