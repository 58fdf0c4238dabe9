// Windows only: what the SDK's httpext.h cannot promise by itself, checked
// on the built artefacts.
#include <catch2/catch.hpp>

#include <httpext.h>

#include <set>
#include <string>

namespace {

// The names a loaded module exports, read from its export directory.
std::set<std::string> exported_names(HMODULE module) {
    const auto* base = reinterpret_cast<const unsigned char*>(module);
    const auto* dos = reinterpret_cast<const IMAGE_DOS_HEADER*>(base);
    const auto* nt = reinterpret_cast<const IMAGE_NT_HEADERS*>(base + dos->e_lfanew);
    const IMAGE_DATA_DIRECTORY& entry = nt->OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXPORT];
    std::set<std::string> names;
    if (entry.Size == 0) return names;
    const auto* exports = reinterpret_cast<const IMAGE_EXPORT_DIRECTORY*>(base + entry.VirtualAddress);
    const auto* name_offsets = reinterpret_cast<const DWORD*>(base + exports->AddressOfNames);
    for (DWORD i = 0; i < exports->NumberOfNames; ++i) {
        names.insert(reinterpret_cast<const char*>(base + name_offsets[i]));
    }
    return names;
}

}  // namespace

TEST_CASE("an extension DLL exports the three ISAPI entry points and nothing else", "[abi][windows]") {
    // C++ with a static libstdc++ is the hard case: MinGW would export every
    // global symbol of the runtime without the generated .def file.
    for (const char* path : {ISAPI_SAMPLE_HELLO, ISAPI_SAMPLE_THROW_IN_PROC}) {
        INFO(path);
        const HMODULE module = ::LoadLibraryExA(path, nullptr, LOAD_WITH_ALTERED_SEARCH_PATH);
        REQUIRE(module != nullptr);
        CHECK(exported_names(module) ==
              std::set<std::string>{"GetExtensionVersion", "HttpExtensionProc", "TerminateExtension"});
        ::FreeLibrary(module);
    }
}

TEST_CASE("the ECB emulator's last error is kernel32's, which extension DLLs read", "[abi][windows]") {
    // This executable links the emulator: a GetLastError of its own would be
    // bound here instead of kernel32's, and extensions would never see the
    // codes the emulator sets.
    const HMODULE kernel32 = ::GetModuleHandleW(L"kernel32.dll");
    REQUIRE(kernel32 != nullptr);
    CHECK(reinterpret_cast<void*>(&::GetLastError) ==
          reinterpret_cast<void*>(::GetProcAddress(kernel32, "GetLastError")));
    CHECK(reinterpret_cast<void*>(&::SetLastError) ==
          reinterpret_cast<void*>(::GetProcAddress(kernel32, "SetLastError")));
}
