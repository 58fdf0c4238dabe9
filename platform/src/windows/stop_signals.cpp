// The console's control events as stop requests (SetConsoleCtrlHandler).
// Windows calls the routine on a thread it creates for each event, so the
// handler already runs in ordinary context. A closing console ends the
// process as soon as the routine returns: the routine waits there until the
// StopSignals is destroyed, i.e. until the host has shut down, within the
// few seconds Windows allows.
#include <isapi/platform/stop_signals.hpp>

#include "os_error.hpp"

#include <mutex>
#include <stdexcept>

#include <windows.h>

namespace isapi::platform {
namespace {

std::mutex g_mutex;
StopSignals::Handler g_handler;
HANDLE g_destroyed = nullptr;  // manual-reset event, set by the destructor

const char* name_of(DWORD event) {
    switch (event) {
        case CTRL_C_EVENT: return "Ctrl+C";
        case CTRL_BREAK_EVENT: return "Ctrl+Break";
        case CTRL_CLOSE_EVENT: return "the console closing";
        default: return nullptr;
    }
}

BOOL WINAPI on_control(DWORD event) {
    const char* name = name_of(event);
    if (name == nullptr) return FALSE;  // logoff and shutdown: services only
    StopSignals::Handler handler;
    HANDLE destroyed = nullptr;
    {
        std::lock_guard lock(g_mutex);
        handler = g_handler;
        destroyed = g_destroyed;
    }
    if (!handler) return FALSE;
    handler(StopRequest::stop, name);
    if (event == CTRL_CLOSE_EVENT && destroyed != nullptr) WaitForSingleObject(destroyed, INFINITE);
    return TRUE;
}

}  // namespace

StopSignals::StopSignals(Handler handler) {
    std::lock_guard lock(g_mutex);
    if (g_handler) throw std::logic_error("StopSignals: one instance at a time");
    g_destroyed = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    if (g_destroyed == nullptr) throw std::runtime_error("StopSignals: CreateEvent: " + windows::os_error(GetLastError()));
    g_handler = std::move(handler);
    if (!SetConsoleCtrlHandler(on_control, TRUE)) {
        const std::string reason = windows::os_error(GetLastError());
        g_handler = nullptr;
        CloseHandle(g_destroyed);
        g_destroyed = nullptr;
        throw std::runtime_error("StopSignals: SetConsoleCtrlHandler: " + reason);
    }
}

StopSignals::~StopSignals() {
    SetConsoleCtrlHandler(on_control, FALSE);
    std::lock_guard lock(g_mutex);
    g_handler = nullptr;
    // Left open: a routine that read it may still be waiting on it, and the
    // process is about to end anyway when a console closes.
    SetEvent(g_destroyed);
    g_destroyed = nullptr;
}

}  // namespace isapi::platform
