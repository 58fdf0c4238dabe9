#include "fake_module_loader.hpp"

#include <cstring>

namespace isapi::test {

void FakeModuleLoader::add(const std::string& path, FakeModule module) {
    std::lock_guard lock(mutex_);
    modules_[path] = module;
}

platform::ModuleHandle FakeModuleLoader::open(const std::string& path, std::string& error) {
    std::lock_guard lock(mutex_);
    auto it = modules_.find(path);
    if (refuse_open || it == modules_.end()) {
        error = path + ": invalid ELF header";
        return nullptr;
    }
    ++opens;
    ++mapped;
    return &it->second;
}

void* FakeModuleLoader::symbol(platform::ModuleHandle handle, const char* name) {
    auto* module = static_cast<FakeModule*>(handle);
    if (std::strcmp(name, "GetExtensionVersion") == 0) return reinterpret_cast<void*>(module->get_version);
    if (std::strcmp(name, "HttpExtensionProc") == 0) return reinterpret_cast<void*>(module->proc);
    if (std::strcmp(name, "TerminateExtension") == 0) return reinterpret_cast<void*>(module->terminate);
    return nullptr;
}

bool FakeModuleLoader::close(platform::ModuleHandle, std::string&) {
    ++closes;
    --mapped;
    return true;
}

bool FakeModuleLoader::still_loaded(const std::string&, const void*) { return stays_mapped || mapped > 0; }

}  // namespace isapi::test
