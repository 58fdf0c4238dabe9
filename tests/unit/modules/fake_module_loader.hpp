#pragma once
// A ModuleLoader that "loads" entry points compiled into the test, so module
// manager tests can count every load, GetExtensionVersion, TerminateExtension
// and unload, and inject each failure, without touching dlopen.
#include <isapi/platform/module_loader.hpp>

#include <httpext.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>

namespace isapi::test {

struct FakeModule {
    PFN_GETEXTENSIONVERSION get_version = nullptr;
    PFN_HTTPEXTENSIONPROC proc = nullptr;
    PFN_TERMINATEEXTENSION terminate = nullptr;
};

class FakeModuleLoader final : public platform::ModuleLoader {
public:
    void add(const std::string& path, FakeModule module);
    platform::ModuleHandle open(const std::string& path, std::string& error) override;
    void* symbol(platform::ModuleHandle handle, const char* name) override;
    bool close(platform::ModuleHandle handle, std::string& error) override;
    bool still_loaded(const std::string& path, const void* code_address) override;

    std::atomic<int> opens{0};
    std::atomic<int> closes{0};
    std::atomic<int> mapped{0};       // opens minus closes
    bool refuse_open = false;         // open fails like a non-module file
    bool stays_mapped = false;        // still_loaded answers true (NODELETE)

private:
    std::mutex mutex_;
    std::map<std::string, FakeModule> modules_;
};

}  // namespace isapi::test
