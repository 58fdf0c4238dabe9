// --isolation inproc: the front end runs the ECB emulator itself, for
// debuggers and sanitizers. The same code a worker runs, without the hop.
#include "backend.hpp"
#include "derived_options.hpp"

#include "../runtime/extension_runtime.hpp"

#include <isapi/platform/module_loader.hpp>
#include <isapi/platform/process.hpp>

#include <spdlog/spdlog.h>


namespace isapi::host {
namespace {

class InprocBackend final : public Backend {
public:
    explicit InprocBackend(BackendParts parts)
        : config_(parts.config), pid_(static_cast<std::uint32_t>(platform::current_process_id())), runtime_([&] {
              ExtensionRuntimeOptions o = runtime_options(config_);
              o.loader = &platform::system_module_loader();
              o.findings = [&recorder = parts.recorder](const ecb::Finding& f) {
                  spdlog::warn("finding {} in {} (load {}): {}", f.kind, f.module.empty() ? "?" : f.module,
                               f.load_generation, EventRecorder::headline(f.evidence));
                  recorder.finding(f);
              };
              o.module_events = [&recorder = parts.recorder](const ModuleEvent& event) { recorder.module_event(event); };
              o.access_log = parts.access_log;
              o.counters = &parts.requests;
              return o;
          }()) {}

    Dispatcher& dispatcher() override { return runtime_.dispatcher(); }

    void describe(AdminSources& sources) override {
        sources.status = [this] {
            HostStatus status;
            status.pid = pid_;
            status.isolation = "inproc";
            status.identity_header = config_.identity_header;
            status.mappings = mapping_statuses(config_);
            status.workers.push_back({pid_, 1, "in process", 0, 0});
            status.modules = runtime_.modules().loaded_modules();
            return status;
        };
    }

    bool shutdown() override { return runtime_.shutdown(); }

private:
    const HostConfig& config_;
    const std::uint32_t pid_;
    ExtensionRuntime runtime_;
};

}  // namespace

std::unique_ptr<Backend> make_inproc_backend(BackendParts parts) { return std::make_unique<InprocBackend>(parts); }

}  // namespace isapi::host
