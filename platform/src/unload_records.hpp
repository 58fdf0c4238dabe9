#pragma once
// The unloaded_code_executed lookup, shared by the crash handlers of both
// OSes (internal to the platform library): note_loaded, note_unloaded and
// note_closed (crash_handler.hpp) fill two fixed tables, and a fault handler
// (a signal handler on POSIX, a vectored exception handler on Windows) asks
// them which unloaded module an address belonged to. The lookup takes no
// lock, allocates nothing and only reads: the tables are seqlocked.
#include <cstdint>

namespace isapi::platform {

struct UnloadedHit {
    char module[96];
    std::uint64_t load_generation;
    std::uintptr_t begin;      // where the module was mapped
    std::int64_t unloaded_ns;  // std::chrono::steady_clock, in nanoseconds
};

// The latest unload whose range holds `address`, unless a module mapped now
// holds it (a module loaded where another was unloaded is not unloaded code,
// whatever order the two were noted in). Safe in a signal or exception
// handler.
bool find_unloaded(std::uintptr_t address, UnloadedHit& hit);

}  // namespace isapi::platform
