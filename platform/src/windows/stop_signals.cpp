// Stop requests on Windows, from two sources:
// - the console's control events (SetConsoleCtrlHandler). Windows calls the
//   routine on a thread it creates for each event, so the handler already
//   runs in ordinary context. A closing console ends the process as soon as
//   the routine returns: the routine waits there until the StopSignals is
//   destroyed, i.e. until the host has shut down, within the few seconds
//   Windows allows.
// - the named event stop_event_name(this process), which
//   ProcessControl::terminate sets (Windows has no SIGTERM): a thread of ours
//   waits on it and calls the handler once per time it is set.
#include <isapi/platform/process.hpp>
#include <isapi/platform/stop_signals.hpp>

#include "os_error.hpp"

#include <mutex>
#include <stdexcept>
#include <thread>

#include <windows.h>

namespace isapi::platform {
namespace {

std::mutex g_mutex;
StopSignals::Handler g_handler;
HANDLE g_destroyed = nullptr;   // manual-reset event, set by the destructor
HANDLE g_stop_event = nullptr;  // auto-reset: one wake-up per terminate()
std::thread g_watcher;

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

// Until the destructor sets `destroyed`. The handler is this thread's own
// copy: the destructor clears the shared one while this may still run it.
void watch_stop_event(HANDLE stop_event, HANDLE destroyed, StopSignals::Handler handler) {
    const HANDLE events[] = {destroyed, stop_event};  // the first wins when both are set
    while (WaitForMultipleObjects(2, events, FALSE, INFINITE) == WAIT_OBJECT_0 + 1) {
        handler(StopRequest::stop, "stop event");
    }
}

// The event terminate() opens by name. Not inheritable; default security
// lets processes of the same user (the front end) set it.
HANDLE create_stop_event() {
    const std::wstring name = windows::widen(stop_event_name(current_process_id()));
    HANDLE event = CreateEventW(nullptr, FALSE, FALSE, name.c_str());
    if (event == nullptr) throw std::runtime_error("StopSignals: CreateEvent: " + windows::os_error(GetLastError()));
    // Someone made it first (a squatter, or an instance not destroyed):
    // ours would not be the only one setting or watching it.
    if (GetLastError() == ERROR_ALREADY_EXISTS) {
        CloseHandle(event);
        throw std::runtime_error("StopSignals: the stop event " + windows::narrow(name) + " exists already");
    }
    return event;
}

void close_events() {
    CloseHandle(g_stop_event);
    g_stop_event = nullptr;
    // g_destroyed stays open: a console routine that read it may still be
    // waiting on it, and the process is about to end anyway when a console
    // closes.
    g_destroyed = nullptr;
}

}  // namespace

StopSignals::StopSignals(Handler handler) {
    std::lock_guard lock(g_mutex);
    if (g_handler) throw std::logic_error("StopSignals: one instance at a time");
    g_destroyed = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    if (g_destroyed == nullptr) throw std::runtime_error("StopSignals: CreateEvent: " + windows::os_error(GetLastError()));
    try {
        g_stop_event = create_stop_event();
    } catch (...) {
        CloseHandle(g_destroyed);
        g_destroyed = nullptr;
        throw;
    }
    g_handler = std::move(handler);
    if (!SetConsoleCtrlHandler(on_control, TRUE)) {
        const std::string reason = windows::os_error(GetLastError());
        g_handler = nullptr;
        CloseHandle(g_destroyed);
        close_events();
        throw std::runtime_error("StopSignals: SetConsoleCtrlHandler: " + reason);
    }
    g_watcher = std::thread(watch_stop_event, g_stop_event, g_destroyed, g_handler);
}

StopSignals::~StopSignals() {
    SetConsoleCtrlHandler(on_control, FALSE);
    std::thread watcher;
    {
        std::lock_guard lock(g_mutex);
        g_handler = nullptr;
        SetEvent(g_destroyed);
        watcher = std::move(g_watcher);
    }
    // Outside the lock: the watcher may be inside the handler, which must be
    // free to take locks of its own.
    if (watcher.joinable()) watcher.join();
    std::lock_guard lock(g_mutex);
    close_events();
}

}  // namespace isapi::platform
