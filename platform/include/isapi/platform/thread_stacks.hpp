#pragma once
// Every thread's stack in this process, for the `hang` finding, bounded in
// time: on POSIX gdb attached to the process in batch mode ("thread apply
// all bt"); on Windows DbgHelp in process (StackWalk64, SymFromAddr), laid
// out as gdb's: "Thread N (Thread 0xID (LWP ID)):", then "#K  0xPC in ..."
// lines, then a blank line.
#include <chrono>
#include <cstdint>
#include <string>

namespace isapi::platform {

// The kernel's id of the calling thread (gdb's "LWP"; the Win32 thread id).
std::uint64_t current_thread_id();

// The backtraces of every thread, or a line saying why there are none (gdb
// is not on PATH, or could not attach, or took longer than `limit`; on
// Windows the threads not reached within `limit` are left out, saying so).
std::string all_thread_stacks(std::chrono::milliseconds limit);

}  // namespace isapi::platform
