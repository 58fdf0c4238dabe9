#include "shadow_copy_loader.hpp"

#include <isapi/platform/files.hpp>

#include <filesystem>
#include <system_error>

namespace isapi::host {

ShadowCopyLoader::ShadowCopyLoader(platform::ModuleLoader& inner, std::string directory)
    : inner_(inner), directory_(std::move(directory)) {}

platform::ModuleHandle ShadowCopyLoader::open(const std::string& path, std::string& error) {
    std::string copy;
    {
        std::lock_guard lock(mutex_);
        copy = (std::filesystem::path(directory_) /
                (std::to_string(++copies_) + "-" + std::filesystem::path(path).filename().string()))
                   .string();
    }
    if (!platform::copy_file_atomically(path, copy, error)) {
        error = "shadow copy failed: " + error;
        return nullptr;
    }
    platform::ModuleHandle handle = inner_.open(copy, error);
    std::lock_guard lock(mutex_);
    if (!handle) {
        std::error_code ignored;
        std::filesystem::remove(copy, ignored);
        return nullptr;
    }
    copy_of_handle_[handle] = copy;
    latest_copy_of_path_[path] = copy;
    return handle;
}

void* ShadowCopyLoader::symbol(platform::ModuleHandle handle, const char* name) { return inner_.symbol(handle, name); }

bool ShadowCopyLoader::close(platform::ModuleHandle handle, std::string& error) {
    const bool closed = inner_.close(handle, error);
    std::lock_guard lock(mutex_);
    if (auto it = copy_of_handle_.find(handle); it != copy_of_handle_.end()) {
        // Safe even if the module stayed mapped: the mapping keeps its inode.
        std::error_code ignored;
        std::filesystem::remove(it->second, ignored);
        copy_of_handle_.erase(it);
    }
    return closed;
}

bool ShadowCopyLoader::still_loaded(const std::string& path, const void* code_address) {
    std::string copy;
    {
        std::lock_guard lock(mutex_);
        auto it = latest_copy_of_path_.find(path);
        copy = it == latest_copy_of_path_.end() ? path : it->second;
    }
    return inner_.still_loaded(copy, code_address);
}

}  // namespace isapi::host
