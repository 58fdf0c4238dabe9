#pragma once
// A loaded image's import address table, read and patched in place (an IAT
// hook): how the thread inventory sees the threads an extension starts with
// CreateThread or _beginthreadex, and which code of the extension started
// them. Internal to the platform library.
#include <windows.h>

#include <functional>

namespace isapi::platform::windows {

// Calls `visit(dll, function, slot)` for every function the image at
// `module` imports by name (imports by ordinal and descriptors without
// their name table are skipped); `slot` is the function's entry in the
// import address table, which holds the address the image calls.
void for_each_import(HMODULE module, const std::function<void(const char* dll, const char* function, void** slot)>& visit);

// Writes `value` into an import address table entry (made writable for the
// write, then protected as before). False when the page cannot be made
// writable.
bool patch_import(void** slot, void* value);

}  // namespace isapi::platform::windows
