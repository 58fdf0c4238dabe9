#pragma once
// Every thread's stack in this process, for the `hang` finding: gdb attached
// to the process in batch mode ("thread apply all bt"), bounded in time.
#include <chrono>
#include <cstdint>
#include <string>

namespace isapi::platform {

// The kernel's id of the calling thread (gdb's "LWP").
std::uint64_t current_thread_id();

// gdb's backtraces of every thread, or a line saying why there are none
// (gdb is not on PATH, or could not attach, or took longer than `limit`).
std::string all_thread_stacks(std::chrono::milliseconds limit);

}  // namespace isapi::platform
