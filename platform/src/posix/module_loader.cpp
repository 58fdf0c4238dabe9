#include <isapi/platform/module_loader.hpp>

#include <dlfcn.h>

namespace isapi::platform {
namespace {

class PosixModuleLoader final : public ModuleLoader {
public:
    ModuleHandle open(const std::string& path, std::string& error) override {
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

    bool still_loaded(const std::string& path) override {
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
        if (!handle) return false;
        ::dlclose(handle);  // balance the reference RTLD_NOLOAD just took
        return true;
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
