// Crash notes on Windows, in two handlers:
//   - a vectored exception handler, which sees every exception first, on the
//     faulting thread, before any frame's handler and before any unwinding:
//     a fault whose instruction pointer or data address lies in a module
//     that was unloaded (unload_records.hpp) is unloaded_code_executed;
//   - an unhandled-exception filter, which writes entry_point_crash when the
//     crashing thread is inside an extension entry point (an access
//     violation, RaiseException: what a fatal signal is on POSIX), or
//     exception_escaped when the exception is a Microsoft C++ exception
//     (0xE06D7363: an MSVC-built extension's throw, which this MinGW-built
//     host's catch (...) cannot catch).
// Both hand the exception on (the filter to the one installed before), and
// the process ends with the exception's code as its exit status.
// Entry-point crashes are a filter's, not a vectored handler's: a vectored
// handler also sees exceptions that the code raising them handles itself
// (SEH __try in an extension, C++ exceptions), which are no crash. A fault
// in unloaded code is never handled by the code that faulted (it is gone).
#include <isapi/platform/crash_handler.hpp>

#include "../unload_records.hpp"
#include "exception_names.hpp"
#include "os_error.hpp"
#include "text.hpp"

#include <windows.h>

#include <atomic>
#include <chrono>
#include <cstdio>

namespace isapi::platform {
namespace {

// Stack the system keeps for the filter when a thread overflows its own.
constexpr ULONG kStackGuaranteeBytes = 64 * 1024;

// What a Microsoft C++ throw raises (the bytes "\xE0msc").
constexpr DWORD kMsvcCppException = 0xE06D7363;

std::atomic<HANDLE> g_note{INVALID_HANDLE_VALUE};
std::atomic<bool> g_crashing{false};
// The thread whose fault was noted as unloaded_code_executed (0: none): its
// exception then reaches the filter without a second line.
std::atomic<DWORD> g_unloaded_thread{0};
LPTOP_LEVEL_EXCEPTION_FILTER g_previous = nullptr;
thread_local const EntryPointScope* t_entry_point = nullptr;

// "access violation (0xC0000005)", or the code alone.
void describe_exception(DWORD code, char* text, std::size_t size) {
    const char* name = windows::exception_name(code);
    if (name != nullptr) {
        std::snprintf(text, size, "%s (0x%08lX)", name, static_cast<unsigned long>(code));
    } else {
        std::snprintf(text, size, "exception 0x%08lX", static_cast<unsigned long>(code));
    }
}

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// One line, appended whole (FILE_APPEND_DATA: lines of two threads do not
// overwrite each other).
void append_line(HANDLE note, const char* line, int length, std::size_t capacity) {
    if (length <= 0) return;
    DWORD written = 0;
    const DWORD size =
        static_cast<std::size_t>(length) < capacity ? static_cast<DWORD>(length) : static_cast<DWORD>(capacity - 1);
    ::WriteFile(note, line, size, &written, nullptr);
}

// The data address an access violation (or in-page error) touched, and
// whether it was an execute access; 0 for other exceptions.
std::uintptr_t fault_address(const EXCEPTION_RECORD& record, bool* execute = nullptr) {
    if (record.ExceptionCode != EXCEPTION_ACCESS_VIOLATION && record.ExceptionCode != EXCEPTION_IN_PAGE_ERROR) return 0;
    if (record.NumberParameters < 2) return 0;
    if (execute != nullptr) *execute = record.ExceptionInformation[0] == 8;  // 0 read, 1 write, 8 execute (DEP)
    return static_cast<std::uintptr_t>(record.ExceptionInformation[1]);
}

void write_entry_point_note(HANDLE note, const EntryPointScope& scope, const EXCEPTION_RECORD& record) {
    const bool cpp = record.ExceptionCode == kMsvcCppException;
    char exception[64];
    describe_exception(record.ExceptionCode, exception, sizeof exception);
    char fault[48] = "";
    // An access violation says which address it touched.
    if (record.ExceptionCode == EXCEPTION_ACCESS_VIOLATION && record.NumberParameters >= 2) {
        std::snprintf(fault, sizeof fault, ", fault address 0x%llx",
                      static_cast<unsigned long long>(record.ExceptionInformation[1]));
    }
    char line[640];
    const int length = std::snprintf(
        line, sizeof line, "%s\t%s\t%llu\t%lld\t%s %s %s of %s (load %llu)%s, pc 0x%llx%s\n",
        cpp ? "exception_escaped" : "entry_point_crash", scope.module(),
        static_cast<unsigned long long>(scope.load_generation()), static_cast<long long>(now_ns()), exception,
        cpp ? "escaped" : "in", scope.entry_point(), scope.module(),
        static_cast<unsigned long long>(scope.load_generation()), fault,
        static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(record.ExceptionAddress)),
        cpp ? "; nothing catches it in this host, so the worker process ended with it" : "");
    append_line(note, line, length, sizeof line);
}

// The exceptions a thread raises when it runs into, or reads, memory that
// is no longer mapped (or now holds something else than code).
bool is_fault(DWORD code) {
    return code == EXCEPTION_ACCESS_VIOLATION || code == EXCEPTION_IN_PAGE_ERROR ||
           code == EXCEPTION_ILLEGAL_INSTRUCTION || code == EXCEPTION_PRIV_INSTRUCTION;
}

// Takes no lock and allocates nothing: the faulting thread may hold the
// heap's lock or the loader's.
LONG WINAPI on_vectored_exception(EXCEPTION_POINTERS* exception) {
    const EXCEPTION_RECORD& record = *exception->ExceptionRecord;
    const HANDLE note = g_note.load(std::memory_order_relaxed);
    if (note == INVALID_HANDLE_VALUE || !is_fault(record.ExceptionCode)) return EXCEPTION_CONTINUE_SEARCH;
    const auto pc = reinterpret_cast<std::uintptr_t>(record.ExceptionAddress);
    bool execute = false;
    const std::uintptr_t address = fault_address(record, &execute);
    UnloadedHit hit{};
    const bool at_pc = find_unloaded(pc, hit);
    if (!at_pc && !find_unloaded(address, hit)) return EXCEPTION_CONTINUE_SEARCH;
    // One line per process: the first such fault ends it.
    DWORD none = 0;
    if (!g_unloaded_thread.compare_exchange_strong(none, ::GetCurrentThreadId())) return EXCEPTION_CONTINUE_SEARCH;
    g_crashing.store(true, std::memory_order_relaxed);

    const std::int64_t now = now_ns();
    const std::uintptr_t where = at_pc ? pc : address;
    const std::int64_t ago_ms = (now - hit.unloaded_ns) / 1'000'000;
    char exception_text[64];
    describe_exception(record.ExceptionCode, exception_text, sizeof exception_text);
    char line[640];
    const int length = std::snprintf(
        line, sizeof line, "unloaded_code_executed\t%s\t%llu\t%lld\t%s %s %s+0x%llx (0x%llx), %lld ms after %s (load %llu) was unloaded\n",
        hit.module, static_cast<unsigned long long>(hit.load_generation), static_cast<long long>(now), exception_text,
        at_pc ? "executing" : "accessing", hit.module, static_cast<unsigned long long>(where - hit.begin),
        static_cast<unsigned long long>(where), static_cast<long long>(ago_ms < 0 ? 0 : ago_ms), hit.module,
        static_cast<unsigned long long>(hit.load_generation));
    append_line(note, line, length, sizeof line);
    return EXCEPTION_CONTINUE_SEARCH;
}

LONG WINAPI on_unhandled_exception(EXCEPTION_POINTERS* exception) {
    g_crashing.store(true, std::memory_order_relaxed);
    const HANDLE note = g_note.load(std::memory_order_relaxed);
    const bool noted = g_unloaded_thread.load(std::memory_order_relaxed) == ::GetCurrentThreadId();
    if (const EntryPointScope* scope = t_entry_point; scope != nullptr && note != INVALID_HANDLE_VALUE && !noted) {
        write_entry_point_note(note, *scope, *exception->ExceptionRecord);
    }
    const LONG previous = g_previous != nullptr ? g_previous(exception) : EXCEPTION_CONTINUE_SEARCH;
    if (previous != EXCEPTION_CONTINUE_SEARCH) return previous;
    // Ends the process here, with the exception's code as its exit status,
    // instead of handing it to the system: past this filter, Windows starts
    // Error Reporting or the AeDebug debugger, which can keep a crashed
    // worker alive for seconds (under Wine, a winedbg with no display hung
    // it for minutes), and the host would wait for a process that only
    // pretends to live. A debugger attached beforehand still sees the
    // exception first: the filter runs only when none is.
    ::TerminateProcess(::GetCurrentProcess(), exception->ExceptionRecord->ExceptionCode);
    return EXCEPTION_EXECUTE_HANDLER;
}

}  // namespace

bool install_crash_handler(const std::string& note_path, std::string& error) {
    if (g_note.load() != INVALID_HANDLE_VALUE) {
        error = "a crash handler is installed already";
        return false;
    }
    // Appends only, so lines from two crashing threads do not overwrite each
    // other; not inheritable.
    const HANDLE note = ::CreateFileW(windows::widen(note_path).c_str(), FILE_APPEND_DATA,
                                      FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, CREATE_ALWAYS,
                                      FILE_ATTRIBUTE_NORMAL, nullptr);
    if (note == INVALID_HANDLE_VALUE) {
        error = "cannot open " + note_path + ": " + windows::os_error(::GetLastError());
        return false;
    }
    g_note.store(note);
    ensure_alternate_stack();
    g_previous = ::SetUnhandledExceptionFilter(on_unhandled_exception);
    // First in line: before a handler of the faulting code's own (there is
    // none for code that is gone) and before anything else unwinds.
    ::AddVectoredExceptionHandler(1, on_vectored_exception);
    return true;
}

bool crash_in_progress() { return g_crashing.load(std::memory_order_relaxed); }

void ensure_alternate_stack() {
    thread_local bool done = false;
    if (done || g_note.load(std::memory_order_relaxed) == INVALID_HANDLE_VALUE) return;
    ULONG bytes = kStackGuaranteeBytes;
    done = ::SetThreadStackGuarantee(&bytes) != 0;
}

EntryPointScope::EntryPointScope(const char* entry_point, const char* module, std::uint64_t load_generation) noexcept
    : entry_point_(entry_point), module_(module), load_generation_(load_generation), previous_(t_entry_point) {
    ensure_alternate_stack();
    t_entry_point = this;
}

EntryPointScope::~EntryPointScope() { t_entry_point = previous_; }

}  // namespace isapi::platform
