#include "heap_checks.hpp"

#include "import_table.hpp"

#include <array>
#include <atomic>
#include <cstring>
#include <utility>

namespace isapi::platform::windows {
namespace {

constexpr DWORD kStatusHeapCorruption = 0xC0000374;

using FreeFn = void(__cdecl*)(void*);
using HeapHandleFn = std::intptr_t(__cdecl*)();

// One hook per original free (msvcrt.dll, ucrtbase.dll through its API
// set, an MSVC runtime), each with the heap its runtime allocates from.
constexpr std::size_t kOriginals = 4;
std::atomic<FreeFn> g_free[kOriginals];
std::atomic<HANDLE> g_heap[kOriginals];

template <std::size_t N>
void __cdecl free_hook(void* block) {
    const HANDLE heap = g_heap[N].load(std::memory_order_acquire);
    if (block != nullptr && heap != nullptr && !::HeapValidate(heap, 0, block))
        ::RaiseException(kStatusHeapCorruption, EXCEPTION_NONCONTINUABLE, 0, nullptr);
    g_free[N].load(std::memory_order_acquire)(block);
}

template <std::size_t... N>
constexpr std::array<FreeFn, kOriginals> free_hooks(std::index_sequence<N...>) {
    return {&free_hook<N>...};
}
const auto kFreeHooks = free_hooks(std::make_index_sequence<kOriginals>());

// The heap the runtime that holds `free_function` allocates from, or
// nullptr (then that runtime's frees are passed on unchecked).
HANDLE heap_of(FreeFn free_function) {
    HMODULE runtime = nullptr;
    const DWORD flags = GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT;
    if (!::GetModuleHandleExW(flags, reinterpret_cast<LPCWSTR>(free_function), &runtime)) return nullptr;
    const auto heap_handle = reinterpret_cast<HeapHandleFn>(::GetProcAddress(runtime, "_get_heap_handle"));
    return heap_handle != nullptr ? reinterpret_cast<HANDLE>(heap_handle()) : nullptr;
}

}  // namespace

void check_frees_of(HMODULE module) {
    for_each_import(module, [](const char*, const char* function, void** slot) {
        if (std::strcmp(function, "free") != 0) return;
        const auto original = reinterpret_cast<FreeFn>(*slot);
        const FreeFn hook = claim_hook(original, g_free, kFreeHooks);
        if (hook == nullptr) return;
        for (std::size_t i = 0; i < kOriginals; ++i)
            if (kFreeHooks[i] == hook) g_heap[i].store(heap_of(original), std::memory_order_release);
        patch_import(slot, reinterpret_cast<void*>(hook));
    });
}

}  // namespace isapi::platform::windows
