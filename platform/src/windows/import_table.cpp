#include "import_table.hpp"

#include <cstdint>

namespace isapi::platform::windows {

void for_each_import(HMODULE module, const std::function<void(const char*, const char*, void**)>& visit) {
    const auto base = reinterpret_cast<std::uintptr_t>(module);
    const auto* dos = reinterpret_cast<const IMAGE_DOS_HEADER*>(base);
    if (dos->e_magic != IMAGE_DOS_SIGNATURE) return;
    const auto* nt = reinterpret_cast<const IMAGE_NT_HEADERS*>(base + static_cast<std::uintptr_t>(dos->e_lfanew));
    if (nt->Signature != IMAGE_NT_SIGNATURE) return;
    const IMAGE_DATA_DIRECTORY& directory = nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_IMPORT];
    if (directory.VirtualAddress == 0 || directory.Size == 0) return;
    for (auto* d = reinterpret_cast<const IMAGE_IMPORT_DESCRIPTOR*>(base + directory.VirtualAddress); d->Name != 0;
         ++d) {
        // Without the name table (an old bound image), the names are gone.
        if (d->OriginalFirstThunk == 0 || d->FirstThunk == 0) continue;
        const char* dll = reinterpret_cast<const char*>(base + d->Name);
        const auto* names = reinterpret_cast<const IMAGE_THUNK_DATA*>(base + d->OriginalFirstThunk);
        auto* addresses = reinterpret_cast<IMAGE_THUNK_DATA*>(base + d->FirstThunk);
        for (; names->u1.AddressOfData != 0; ++names, ++addresses) {
            if (IMAGE_SNAP_BY_ORDINAL(names->u1.Ordinal)) continue;
            const auto* by_name = reinterpret_cast<const IMAGE_IMPORT_BY_NAME*>(base + names->u1.AddressOfData);
            visit(dll, reinterpret_cast<const char*>(by_name->Name), reinterpret_cast<void**>(&addresses->u1.Function));
        }
    }
}

bool patch_import(void** slot, void* value) {
    DWORD previous = 0;
    if (!::VirtualProtect(slot, sizeof *slot, PAGE_READWRITE, &previous)) return false;
    // One aligned pointer: a thread calling through the slot meanwhile sees
    // the old address or the new one, both of which work.
    *reinterpret_cast<void* volatile*>(slot) = value;
    DWORD ignored = 0;
    ::VirtualProtect(slot, sizeof *slot, previous, &ignored);
    return true;
}

}  // namespace isapi::platform::windows
