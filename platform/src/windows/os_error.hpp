#pragma once
// Win32 error codes as text, and handles closed on every path: shared by the
// Windows implementations of the seam.
#include "text.hpp"

#include <windows.h>

#include <string>

namespace isapi::platform::windows {

// The system's message for `code`, in English where the system has it, with
// the code itself, which searches better than any translation:
// "The system cannot find the file specified. (error 2)".
inline std::string os_error(DWORD code) {
    wchar_t* buffer = nullptr;
    const DWORD flags = FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS;
    const DWORD length = ::FormatMessageW(flags, nullptr, code, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US),
                                          reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
    std::wstring message = length > 0 ? std::wstring(buffer, length) : L"unknown error";
    if (buffer != nullptr) ::LocalFree(buffer);
    while (!message.empty() && (message.back() == L'\n' || message.back() == L'\r' || message.back() == L' ')) {
        message.pop_back();
    }
    return narrow(message) + " (error " + std::to_string(code) + ")";
}

// A HANDLE closed on every path (CreateFileW's: INVALID_HANDLE_VALUE is none).
class Handle {
public:
    explicit Handle(HANDLE handle) : handle_(handle) {}
    ~Handle() {
        if (valid()) ::CloseHandle(handle_);
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    void reset(HANDLE handle) {
        if (valid()) ::CloseHandle(handle_);
        handle_ = handle;
    }
    bool valid() const { return handle_ != INVALID_HANDLE_VALUE && handle_ != nullptr; }
    HANDLE get() const { return handle_; }
    // Hands the handle to the caller, who closes it from now on.
    HANDLE release() {
        const HANDLE handle = handle_;
        handle_ = INVALID_HANDLE_VALUE;
        return handle;
    }
    // Closes now and reports the error: for a written file, closing can be
    // the first to report a failed write.
    bool close() {
        const HANDLE handle = handle_;
        handle_ = INVALID_HANDLE_VALUE;
        return ::CloseHandle(handle) != 0;
    }

private:
    HANDLE handle_;
};

}  // namespace isapi::platform::windows
