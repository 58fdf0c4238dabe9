#pragma once
// The OS seam for loading extension modules (dlopen on POSIX, LoadLibrary on
// Windows). The module manager talks only to this interface, so tests can
// count loads or inject failures without touching the OS.
#include <string>
#include <string_view>

namespace isapi::platform {

// How this OS names a loadable module's file: ".so" or ".dll".
std::string_view module_suffix();

using ModuleHandle = void*;

class ModuleLoader {
public:
    virtual ~ModuleLoader() = default;

    // Loads the module with all symbols bound now. nullptr on failure, with
    // the OS's reason in `error`.
    virtual ModuleHandle open(const std::string& path, std::string& error) = 0;

    // Resolves an exported symbol, nullptr when absent.
    virtual void* symbol(ModuleHandle handle, const char* name) = 0;

    // Drops this process's reference. False on failure, with the reason.
    virtual bool close(ModuleHandle handle, std::string& error) = 0;

    // True while the module loaded from `path` is still mapped in this
    // process, which after a successful close means the unload did not take
    // (NODELETE). `code_address` is an address inside the module (an entry
    // point): asking by address costs no file system access, unlike asking by
    // path, and this check runs once per uncached request.
    virtual bool still_loaded(const std::string& path, const void* code_address) = 0;
};

// The real loader for this OS.
ModuleLoader& system_module_loader();

}  // namespace isapi::platform
