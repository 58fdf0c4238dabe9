#pragma once
// Shadow copy (--shadow-copy): every load opens a private copy of the module,
// made atomically in this worker's own folder, so the deployed file is never
// mapped. It can then be overwritten in place, or deleted, while the worker
// runs. Each load gets a fresh name, so "same path, same module" never hands
// back an old build. A decorator over any ModuleLoader.
#include <isapi/platform/module_loader.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace isapi::host {

class ShadowCopyLoader final : public platform::ModuleLoader {
public:
    // Copies go to `directory`, which must exist and belong to this process.
    ShadowCopyLoader(platform::ModuleLoader& inner, std::string directory);

    platform::ModuleHandle open(const std::string& path, std::string& error) override;
    void* symbol(platform::ModuleHandle handle, const char* name) override;
    bool close(platform::ModuleHandle handle, std::string& error) override;  // and deletes the copy
    bool still_loaded(const std::string& path, const void* code_address) override;

    const std::string& directory() const { return directory_; }

private:
    platform::ModuleLoader& inner_;
    const std::string directory_;
    std::mutex mutex_;
    std::uint64_t copies_ = 0;
    std::map<platform::ModuleHandle, std::string> copy_of_handle_;
    std::map<std::string, std::string> latest_copy_of_path_;
};

}  // namespace isapi::host
