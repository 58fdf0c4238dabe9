#pragma once
// Frees an extension makes are checked before they happen, as Windows'
// heap checks them: a 64-bit process ends with STATUS_HEAP_CORRUPTION
// (0xC0000374) when its code frees a block that is not allocated (a double
// free, a pointer the heap never gave out), the heap's termination on
// corruption. Wine's heap and msvcrt let such a free pass silently, so a
// double free that takes a worker down on Windows (and on Linux, where
// glibc aborts) went unseen under Wine. Internal to the platform library.
#include <windows.h>

namespace isapi::platform::windows {

// Points the module's imports of the C runtime's free at a hook that first
// asks HeapValidate (on the runtime's own heap, _get_heap_handle) whether
// the block is allocated, and raises STATUS_HEAP_CORRUPTION, non-continuable,
// when it is not: inside an entry point the crash handler names it
// entry_point_crash. A runtime without _get_heap_handle is not checked.
void check_frees_of(HMODULE module);

}  // namespace isapi::platform::windows
