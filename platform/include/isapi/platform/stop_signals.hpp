#pragma once
// How the OS asks isapi-host to stop (or, on POSIX, to recycle its workers),
// as one seam: SIGINT, SIGTERM and SIGHUP on POSIX. On Windows, the console's
// control events (Ctrl+C, Ctrl+Break, the console window closing) and, in
// place of SIGTERM, the named event stop_event_name(this process's id)
// (process.hpp), which ProcessControl::terminate sets.
#include <functional>
#include <string>

namespace isapi::platform {

enum class StopRequest {
    stop,     // finish running requests, then exit
    recycle,  // SIGHUP: start fresh worker processes (POSIX only)
};

// While one lives, stop requests go to `handler` instead of ending the
// process. The handler runs on a thread of the seam's own (never in a signal
// handler), once per request: it should hand the work to the caller's own
// threads and return. `description` names the cause ("SIGTERM",
// "Ctrl+C", "stop event"). One instance at a time per process.
// Windows: the constructor creates the stop event (it throws if the event
// exists already), so terminate() reaches this process only from then on;
// each time it is set is one request.
class StopSignals {
public:
    using Handler = std::function<void(StopRequest request, const std::string& description)>;

    explicit StopSignals(Handler handler);
    // Restores the previous dispositions (Windows: removes the console
    // routine, and closes the stop event once its thread, which may be
    // running the handler, has ended). On Windows, a console that is
    // closing waits for this (the system allows it a few seconds), so the
    // shutdown can finish before the process is ended.
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
};

}  // namespace isapi::platform
