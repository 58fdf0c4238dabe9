#include "pipe_channel.hpp"

#include "os_error.hpp"

#include <bcrypt.h>

#include <atomic>
#include <cstdint>
#include <cstdio>

namespace isapi::platform::windows {
namespace {

// Enough for one write of a typical frame batch to go through without
// waiting for the reader; the system grows a pipe's buffer as needed anyway.
constexpr DWORD kBufferSize = 64 * 1024;

// "\\.\pipe\isapi-harness-PID-COUNTER-RANDOM": the counter keeps this
// process's names apart, the random part keeps other processes from
// predicting (and squatting) the next one.
bool make_pipe_name(std::wstring& name, std::string& error) {
    static std::atomic<std::uint64_t> counter{0};
    std::uint64_t random = 0;
    const NTSTATUS status = ::BCryptGenRandom(nullptr, reinterpret_cast<PUCHAR>(&random), sizeof random,
                                              BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    if (status < 0) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "0x%08lX", static_cast<unsigned long>(status));
        error = std::string("cannot make a pipe name: BCryptGenRandom failed with ") + hex;
        return false;
    }
    wchar_t text[96];
    std::swprintf(text, sizeof text / sizeof text[0], L"\\\\.\\pipe\\isapi-harness-%lu-%llu-%016llx",
                  static_cast<unsigned long>(::GetCurrentProcessId()),
                  static_cast<unsigned long long>(counter.fetch_add(1)), static_cast<unsigned long long>(random));
    name = text;
    return true;
}

// The client has connected already (its CreateFileW returned): an overlapped
// ConnectNamedPipe then says ERROR_PIPE_CONNECTED at once, which confirms the
// client is ours. Any other answer means the pipe is not connected to it.
bool confirm_connected(HANDLE server, std::string& error) {
    OVERLAPPED overlapped{};
    Handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    if (!event.valid()) {
        error = "cannot create an event: " + os_error(::GetLastError());
        return false;
    }
    overlapped.hEvent = event.get();
    if (::ConnectNamedPipe(server, &overlapped) == 0 && ::GetLastError() == ERROR_PIPE_CONNECTED) return true;
    const DWORD code = ::GetLastError();
    if (code == ERROR_IO_PENDING) {
        ::CancelIoEx(server, &overlapped);
        DWORD ignored = 0;
        ::GetOverlappedResult(server, &overlapped, &ignored, TRUE);
    }
    error = "the channel's pipe did not connect: " + os_error(code);
    return false;
}

}  // namespace

bool make_pipe_ends(PipeEnds& ends, std::string& error) {
    std::wstring name;
    if (!make_pipe_name(name, error)) return false;
    // One instance only, and it must be new: nobody else can serve this name,
    // and nobody else can connect once our client has.
    Handle server(::CreateNamedPipeW(
        name.c_str(), PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, kBufferSize, kBufferSize, 0,
        nullptr));
    if (!server.valid()) {
        error = "cannot create a named pipe: " + os_error(::GetLastError());
        return false;
    }
    // Inheritable: CreateProcessW's handle list accepts only inheritable
    // handles, and the list is what keeps it from reaching other children.
    SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    Handle client(::CreateFileW(name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, &inheritable, OPEN_EXISTING,
                                FILE_FLAG_OVERLAPPED, nullptr));
    if (!client.valid()) {
        error = "cannot open the named pipe's client end: " + os_error(::GetLastError());
        return false;
    }
    if (!confirm_connected(server.get(), error)) return false;
    ends.parent = server.release();
    ends.child = client.release();
    return true;
}

}  // namespace isapi::platform::windows
