// --isolation inproc: the front end runs the ECB emulator itself, for
// debuggers and sanitizers. The same code a worker runs, without the hop.
#include "backend.hpp"

#include "../modules/module_manager.hpp"
#include "../pool/work_pool.hpp"
#include "inproc_dispatcher.hpp"

#include <isapi/platform/module_loader.hpp>
#include <isapi/platform/process.hpp>

#include <spdlog/spdlog.h>

#include <limits>

namespace isapi::host {
namespace {

class InprocBackend final : public Backend {
public:
    explicit InprocBackend(BackendParts parts)
        : config_(parts.config),
          pid_(static_cast<std::uint32_t>(platform::current_process_id())),
          findings_([&recorder = parts.recorder](const ecb::Finding& f) {
              spdlog::warn("finding {} in {} (load {}): {}", f.kind, f.module.empty() ? "?" : f.module,
                           f.load_generation, f.evidence);
              recorder.finding(f);
          }),
          pool_(config_.threads, config_.queue_limit),
          // Unloads get a thread of their own: on the request pool they could
          // wait behind requests that are themselves waiting, in acquire(),
          // for that very unload to finish, and every pool thread would block.
          unloader_(1, std::numeric_limits<std::size_t>::max()),
          modules_(platform::system_module_loader(), [this](std::function<void()> task) { unloader_.post(std::move(task)); },
                   findings_, module_options(parts.recorder)),
          router_(config_.mappings, config_.default_mode),
          dispatcher_(router_, modules_, pool_, parts.access_log, findings_, config_.document_root, &parts.requests) {
        ecb::set_orphan_finding_sink(findings_);
    }
    ~InprocBackend() override { ecb::set_orphan_finding_sink({}); }

    Dispatcher& dispatcher() override { return dispatcher_; }

    void describe(AdminSources& sources) override {
        sources.status = [this] {
            HostStatus status;
            status.pid = pid_;
            status.isolation = "inproc";
            status.identity_header = config_.identity_header;
            status.mappings = mapping_statuses(config_);
            status.workers.push_back({pid_, 1, "in process", 0, 0});
            status.modules = modules_.loaded_modules();
            return status;
        };
    }

    bool shutdown() override {
        const bool drained = modules_.shutdown();
        if (drained) {
            pool_.stop();
            unloader_.stop();
        }
        return drained;
    }

private:
    ModuleManagerOptions module_options(EventRecorder& recorder) const {
        ModuleManagerOptions options{config_.shutdown_time_limit};
        options.identity = IdentityOptions{pid_, 1, config_.identity_header};
        options.events = [&recorder](const ModuleEvent& event) { recorder.module_event(event); };
        return options;
    }

    const HostConfig& config_;
    const std::uint32_t pid_;
    ecb::FindingSink findings_;
    WorkPool pool_;
    WorkPool unloader_;
    ModuleManager modules_;
    Router router_;
    InprocDispatcher dispatcher_;
};

}  // namespace

std::unique_ptr<Backend> make_inproc_backend(BackendParts parts) { return std::make_unique<InprocBackend>(parts); }

}  // namespace isapi::host
