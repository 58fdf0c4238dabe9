#include <isapi/platform/faults.hpp>
#include <isapi/platform/module_loader.hpp>

#include "os_error.hpp"
#include "text.hpp"
#include "threads.hpp"

#include <windows.h>

#include <filesystem>
#include <system_error>
#include <vector>

namespace isapi::platform {
namespace {

class WindowsModuleLoader final : public ModuleLoader {
public:
    ModuleHandle open(const std::string& path, std::string& error) override {
        if (fault_injected("module_open")) {
            error = "injected fault: module_open (ISAPI_FAULTS)";
            return nullptr;
        }
        // Unlike dlopen, LoadLibrary checks the image before mapping it and
        // fails cleanly on a half-copied file, so no check of ours comes
        // first. The altered search path looks for the DLLs the extension
        // itself imports in its own folder first, as IIS does.
        // The threads alive before, for the thread inventory: the ones its
        // DllMain starts are there by the time LoadLibrary returns.
        std::vector<DWORD> threads_before = windows::process_thread_ids();
        const HMODULE module = ::LoadLibraryExW(windows::widen(path).c_str(), nullptr, LOAD_WITH_ALTERED_SEARCH_PATH);
        if (module == nullptr) error = os_error_of_load(path);
        else windows::remember_threads_before(module, std::move(threads_before));
        return module;
    }

    void* symbol(ModuleHandle handle, const char* name) override {
        return reinterpret_cast<void*>(::GetProcAddress(static_cast<HMODULE>(handle), name));
    }

    bool close(ModuleHandle handle, std::string& error) override {
        windows::forget_threads_before(static_cast<HMODULE>(handle));  // a load that was never watched
        if (::FreeLibrary(static_cast<HMODULE>(handle))) return true;
        error = windows::os_error(::GetLastError());
        return false;
    }

    bool still_loaded(const std::string& path, const void* code_address) override {
        // By address, and without taking a reference: the answer must not
        // keep the module loaded.
        HMODULE module = nullptr;
        const DWORD flags = GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT;
        if (!::GetModuleHandleExW(flags, static_cast<LPCWSTR>(code_address), &module)) return false;
        // The address may already belong to another module mapped since.
        std::wstring loaded(MAX_PATH, L'\0');
        for (;;) {
            const DWORD length = ::GetModuleFileNameW(module, loaded.data(), static_cast<DWORD>(loaded.size()));
            if (length == 0) return false;
            if (length < loaded.size()) {
                loaded.resize(length);
                break;
            }
            loaded.resize(loaded.size() * 2);  // truncated: ask again with more room
        }
        std::error_code ec;
        const std::filesystem::path expected = windows::to_path(path);
        return std::filesystem::path(loaded) == expected || std::filesystem::equivalent(loaded, expected, ec);
    }

private:
    static std::string os_error_of_load(const std::string& path) {
        const DWORD code = ::GetLastError();
        return "cannot load " + path + ": " + windows::os_error(code);
    }
};

}  // namespace

std::string_view module_suffix() { return ".dll"; }

ModuleLoader& system_module_loader() {
    static WindowsModuleLoader loader;
    return loader;
}

}  // namespace isapi::platform
