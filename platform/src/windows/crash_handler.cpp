// Crash notes on Windows: an unhandled-exception filter writes the
// entry_point_crash line when the crashing thread is inside an extension
// entry point, then hands the exception on (to the filter installed before,
// then to the system), so the process still ends with the exception's code.
// A filter, not a vectored handler: a vectored handler also sees exceptions
// that the code raising them handles itself (SEH __try in an extension, C++
// exceptions), which are no crash.
// Not yet on Windows: unloaded_code_executed (note_loaded and note_unloaded
// record nothing here), docs/windows.md.
#include <isapi/platform/crash_handler.hpp>

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

std::atomic<HANDLE> g_note{INVALID_HANDLE_VALUE};
std::atomic<bool> g_crashing{false};
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

void write_entry_point_note(HANDLE note, const EntryPointScope& scope, const EXCEPTION_RECORD& record) {
    char exception[64];
    describe_exception(record.ExceptionCode, exception, sizeof exception);
    char fault[48] = "";
    // An access violation says which address it touched.
    if (record.ExceptionCode == EXCEPTION_ACCESS_VIOLATION && record.NumberParameters >= 2) {
        std::snprintf(fault, sizeof fault, ", fault address 0x%llx",
                      static_cast<unsigned long long>(record.ExceptionInformation[1]));
    }
    const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
    char line[640];
    const int length = std::snprintf(
        line, sizeof line, "entry_point_crash\t%s\t%llu\t%lld\t%s in %s of %s (load %llu)%s, pc 0x%llx\n",
        scope.module(), static_cast<unsigned long long>(scope.load_generation()), static_cast<long long>(now),
        exception, scope.entry_point(), scope.module(), static_cast<unsigned long long>(scope.load_generation()), fault,
        static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(record.ExceptionAddress)));
    if (length <= 0) return;
    DWORD written = 0;
    const DWORD size = length < static_cast<int>(sizeof line) ? static_cast<DWORD>(length) : sizeof line - 1;
    ::WriteFile(note, line, size, &written, nullptr);
}

LONG WINAPI on_unhandled_exception(EXCEPTION_POINTERS* exception) {
    g_crashing.store(true, std::memory_order_relaxed);
    const HANDLE note = g_note.load(std::memory_order_relaxed);
    if (const EntryPointScope* scope = t_entry_point; scope != nullptr && note != INVALID_HANDLE_VALUE) {
        write_entry_point_note(note, *scope, *exception->ExceptionRecord);
    }
    return g_previous != nullptr ? g_previous(exception) : EXCEPTION_CONTINUE_SEARCH;
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
    return true;
}

bool crash_in_progress() { return g_crashing.load(std::memory_order_relaxed); }

void ensure_alternate_stack() {
    thread_local bool done = false;
    if (done || g_note.load(std::memory_order_relaxed) == INVALID_HANDLE_VALUE) return;
    ULONG bytes = kStackGuaranteeBytes;
    done = ::SetThreadStackGuarantee(&bytes) != 0;
}

void note_loaded(AddressRange, std::uint64_t) {}
void note_unloaded(AddressRange, std::string_view, std::uint64_t, std::uint64_t) {}
void note_closed(std::uint64_t) {}

EntryPointScope::EntryPointScope(const char* entry_point, const char* module, std::uint64_t load_generation) noexcept
    : entry_point_(entry_point), module_(module), load_generation_(load_generation), previous_(t_entry_point) {
    ensure_alternate_stack();
    t_entry_point = this;
}

EntryPointScope::~EntryPointScope() { t_entry_point = previous_; }

}  // namespace isapi::platform
