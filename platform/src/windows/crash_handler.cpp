// Crash notes on Windows: not ported yet (a vectored exception handler would
// write them, docs/windows.md). install_crash_handler says so; the
// bookkeeping calls the module manager makes are accepted and have nothing
// to feed, and the entry-point scope still tracks where a thread is.
#include <isapi/platform/crash_handler.hpp>

namespace isapi::platform {
namespace {

thread_local const EntryPointScope* t_entry_point = nullptr;

}  // namespace

bool install_crash_handler(const std::string&, std::string& error) {
    error = "crash notes are not available on Windows yet";
    return false;
}

bool crash_in_progress() { return false; }
void ensure_alternate_stack() {}
void note_loaded(AddressRange, std::uint64_t) {}
void note_unloaded(AddressRange, std::string_view, std::uint64_t, std::uint64_t) {}
void note_closed(std::uint64_t) {}

EntryPointScope::EntryPointScope(const char* entry_point, const char* module, std::uint64_t load_generation) noexcept
    : entry_point_(entry_point), module_(module), load_generation_(load_generation), previous_(t_entry_point) {
    t_entry_point = this;
}

EntryPointScope::~EntryPointScope() { t_entry_point = previous_; }

}  // namespace isapi::platform
