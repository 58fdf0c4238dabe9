#include <isapi/platform/faults.hpp>
#include <isapi/platform/file_stamp.hpp>
#include <isapi/platform/files.hpp>
#include <isapi/platform/module_loader.hpp>

#include "load_time_threads.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <mutex>
#include <system_error>
#include <unordered_map>

namespace isapi::platform {
namespace {

class PosixModuleLoader final : public ModuleLoader {
public:
    ModuleHandle open(const std::string& path, std::string& error) override {
        if (fault_injected("module_open")) {
            error = "injected fault: module_open (ISAPI_FAULTS)";
            return nullptr;
        }
        if (!whole_image(path, error)) return nullptr;
        // RTLD_LOCAL keeps each extension's symbols to itself, as separate
        // DLLs would be on Windows.
        void* handle = nullptr;
        {
            const posix::ModuleLoadScope load;  // the threads its constructors start are its own
            handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        }
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

private:
    // A file still being copied would be mapped beyond its end, and the
    // dynamic loader would crash the process on the first missing page
    // (SIGBUS), where Windows' LoadLibrary fails cleanly: its image is
    // checked first. Uncached mode opens the same file on every request, so
    // a file already found whole is only stat'ed (about 1 us instead of 8).
    bool whole_image(const std::string& path, std::string& error) {
        std::string ignored;
        const auto stamp = file_stamp(path, ignored);
        {
            std::lock_guard lock(mutex_);
            const auto known = whole_.find(path);
            if (stamp && known != whole_.end() && known->second == *stamp) return true;
        }
        std::string detail;
        const ModuleFileState state = module_file_state(path, detail);
        if (state == ModuleFileState::incomplete) {
            error = "incomplete module file (" + detail + "; still being copied?)";
            return false;
        }
        if (stamp && state == ModuleFileState::complete) {
            std::lock_guard lock(mutex_);
            // Shadow copies get a new name per load: forget old names rather
            // than grow without bound.
            if (whole_.size() >= kRemembered) whole_.clear();
            whole_[path] = *stamp;
        }
        return true;
    }

    static constexpr std::size_t kRemembered = 256;
    std::mutex mutex_;
    std::unordered_map<std::string, FileStamp> whole_;  // guarded by mutex_

};

}  // namespace

std::string_view module_suffix() { return ".so"; }

ModuleLoader& system_module_loader() {
    static PosixModuleLoader loader;
    return loader;
}

}  // namespace isapi::platform
