#pragma once
// Names a worker's fatal signal, from inside the signal handler, when it is
// one of the detectors' (docs/race-hunting.md):
//   - unloaded_code_executed: the fault address or the instruction pointer
//     lies in a module that was unloaded (and not loaded again there);
//   - entry_point_crash: the faulting thread is inside an extension entry
//     point (GetExtensionVersion, HttpExtensionProc, TerminateExtension).
// The handler formats one line, async-signal-safely, into a file opened
// beforehand (the front end reads it once it has reaped the worker), then
// restores the previous disposition (the default, or a sanitizer's) and
// lets the signal end the process as it would have: the crash is still
// reported with its signal.
//
// Note line: "KIND\tMODULE\tLOAD_GENERATION\tTIME\tEVIDENCE\n", TIME in
// nanoseconds of CLOCK_MONOTONIC (std::chrono::steady_clock).
#include <isapi/platform/thread_inventory.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace isapi::platform {

// For SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT, on an alternate stack
// where the thread has one. Creates (truncates) the note file at
// `note_path`, which stays open for the process's life; false, with the
// reason, when it cannot. An empty `note_path` is for a host that runs
// extensions in process, where no front end outlives the crash to read a
// note: the finding goes to stderr instead, as the host's log line
// "TIME critical finding KIND in MODULE (load N): EVIDENCE" (contract's
// kLogPattern). (Windows: not yet; it fails there with the reason.)
bool install_crash_handler(const std::string& note_path, std::string& error);

// True once a fatal signal has reached the handler in this process: the
// process is on its way out, and its note names why. A sanitizer's report
// (symbolised stacks: most of a second) keeps the faulting thread alive
// meanwhile, which other detectors must not take for a thread of its own.
bool crash_in_progress();

// Gives the calling thread an alternate signal stack (once per thread), so
// that the handler still runs when the thread's own stack overflowed.
void ensure_alternate_stack();

// A module was loaded at `range`; `id` (non-zero, unique per load) names
// this load. While it is mapped, faults there are not unloaded code, and
// unloads recorded there before no longer apply. Up to 256 at once.
void note_loaded(AddressRange range, std::uint64_t id);
// The load `id` at `range` has just been unloaded: later faults there are
// unloaded_code_executed (the latest unload wins). Remembers the last 64.
void note_unloaded(AddressRange range, std::string_view module, std::uint64_t load_generation, std::uint64_t id);
// The load `id` was closed but stays mapped (NODELETE): forget it, no more.
void note_closed(std::uint64_t id);

// While it lives, the calling thread is inside `entry_point` of `module`
// (strings that outlive the scope). Nests.
class EntryPointScope {
public:
    EntryPointScope(const char* entry_point, const char* module, std::uint64_t load_generation) noexcept;
    ~EntryPointScope();
    EntryPointScope(const EntryPointScope&) = delete;
    EntryPointScope& operator=(const EntryPointScope&) = delete;

    const char* entry_point() const { return entry_point_; }
    const char* module() const { return module_; }
    std::uint64_t load_generation() const { return load_generation_; }

private:
    const char* entry_point_;
    const char* module_;
    std::uint64_t load_generation_;
    const EntryPointScope* previous_;
};

}  // namespace isapi::platform
