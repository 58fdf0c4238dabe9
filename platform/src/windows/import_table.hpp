#pragma once
// A loaded image's import address table, read and patched in place (an IAT
// hook): how the thread inventory sees the threads an extension starts with
// CreateThread or _beginthreadex, and which code of the extension started
// them. Internal to the platform library.
#include <windows.h>

#include <array>
#include <atomic>
#include <cstddef>
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

// The hook to put in a slot holding `original`: hooks[i] calls originals[i],
// so each distinct original (a function may be imported from several DLLs
// or API sets) claims one of K hooks. nullptr when all K are taken, or when
// `original` is one of the hooks already (a module that stayed mapped across
// an unload keeps its patched table).
template <typename Fn, std::size_t K>
Fn claim_hook(Fn original, std::atomic<Fn> (&originals)[K], const std::array<Fn, K>& hooks) {
    for (const Fn hook : hooks)
        if (hook == original) return nullptr;
    for (std::size_t i = 0; i < K; ++i) {
        Fn expected = nullptr;
        if (originals[i].compare_exchange_strong(expected, original) || expected == original) return hooks[i];
    }
    return nullptr;
}

}  // namespace isapi::platform::windows
