#pragma once
// The two halves of a module's life, each a plain function over the platform
// seam: load (open, resolve, GetExtensionVersion) and unload
// (TerminateExtension, close, confirm). The manager decides when; these do it.
#include "build_identity.hpp"

#include <isapi/ecb/finding.hpp>
#include <isapi/platform/module_loader.hpp>
#include <isapi/platform/thread_inventory.hpp>

#include <httpext.h>

#include <cstdint>
#include <string>
#include <vector>

namespace isapi::host {

struct LoadedModule {
    std::string path;  // as loaded, lexically normal
    std::string name;  // file name, for logs and findings
    std::uint64_t load_generation = 0;
    std::string description;  // HSE_VERSION_INFO::lpszExtensionDesc
    std::string sha256;       // of the file as loaded; empty when not hashed or unreadable
    platform::ModuleHandle handle = nullptr;
    PFN_HTTPEXTENSIONPROC proc = nullptr;
    PFN_TERMINATEEXTENSION terminate = nullptr;  // optional export
    platform::AddressRange range{};  // where it is mapped
    std::uint64_t thread_token = 0;  // its threads in the thread inventory (0: not watched)
};

enum class LoadFailure { none, missing_file, not_a_module, missing_export, version_refused };

struct LoadAttempt {
    LoadedModule module;
    LoadFailure failure = LoadFailure::none;
    std::string reason;
    std::vector<ecb::Finding> findings;
    bool ok() const { return failure == LoadFailure::none; }
};

struct UnloadReport {
    bool terminated = false;  // TerminateExtension was called
    bool closed = false;      // the loader released the module
    bool still_mapped = false;  // closed, yet still in the process (unload_ineffective)
    std::vector<ecb::Finding> findings;
};

// Loads `path` and runs GetExtensionVersion. On any failure the module is
// closed again before returning. With a `hasher`, the file's bytes are hashed
// just before it is opened (and again if it changed while it was opened).
LoadAttempt load_module(platform::ModuleLoader& loader, const std::string& path, std::uint64_t generation,
                        ModuleHasher* hasher = nullptr);

// TerminateExtension(HSE_TERM_MUST_UNLOAD), close, then confirm the module
// really left the process (a module that stays is `unload_ineffective`).
UnloadReport unload_module(platform::ModuleLoader& loader, LoadedModule& module);

}  // namespace isapi::host
