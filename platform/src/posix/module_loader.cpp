#include <isapi/platform/faults.hpp>
#include <isapi/platform/files.hpp>
#include <isapi/platform/module_loader.hpp>

#include <dlfcn.h>

#include <filesystem>
#include <system_error>

namespace isapi::platform {
namespace {

class PosixModuleLoader final : public ModuleLoader {
public:
    ModuleHandle open(const std::string& path, std::string& error) override {
        if (fault_injected("module_open")) {
            error = "injected fault: module_open (ISAPI_FAULTS)";
            return nullptr;
        }
        // A file still being copied would be mapped beyond its end, and the
        // loader would crash the process on the first missing page (SIGBUS),
        // where Windows' LoadLibrary fails cleanly. Check its image first.
        std::string detail;
        if (module_file_state(path, detail) == ModuleFileState::incomplete) {
            error = "incomplete module file (" + detail + "; still being copied?)";
            return nullptr;
        }
        // RTLD_LOCAL keeps each extension's symbols to itself, as separate
        // DLLs would be on Windows.
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle) error = last_dl_error();
        return handle;
    }

    void* symbol(ModuleHandle handle, const char* name) override { return ::dlsym(handle, name); }

    bool close(ModuleHandle handle, std::string& error) override {
        if (::dlclose(handle) == 0) return true;
        error = last_dl_error();
        return false;
    }

    bool still_loaded(const std::string& path, const void* code_address) override {
        Dl_info info{};
        if (::dladdr(code_address, &info) == 0 || info.dli_fname == nullptr) return false;
        // The address may already belong to another module mapped since.
        std::error_code ec;
        return path == info.dli_fname || std::filesystem::equivalent(info.dli_fname, path, ec);
    }

private:
    static std::string last_dl_error() {
        const char* message = ::dlerror();
        return message ? message : "unknown dynamic loader error";
    }
};

}  // namespace

ModuleLoader& system_module_loader() {
    static PosixModuleLoader loader;
    return loader;
}

}  // namespace isapi::platform
