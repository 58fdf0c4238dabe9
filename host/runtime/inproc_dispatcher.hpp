#pragma once
// Runs requests in this process (--isolation inproc): route the URL, lease
// the module, and run the ECB emulator on a pool thread.
#include "../events/request_counters.hpp"
#include "../modules/module_manager.hpp"
#include "../pool/work_pool.hpp"
#include "../routing/router.hpp"
#include "../server/dispatcher.hpp"
#include "access_log.hpp"

#include <chrono>
#include <filesystem>

namespace isapi::host {

class InprocDispatcher final : public Dispatcher {
public:
    // What a request's end is measured by, besides its outcome: for the
    // latency histograms of whoever counts it.
    struct Served {
        std::chrono::steady_clock::duration elapsed{};
        const Mapping* mapping = nullptr;  // null: the host answered before routing, or nothing is mapped
        std::string sha256;                // the build that served it ("" if none ran)
    };
    // Told how each client request ended (a worker process reports it to
    // the front end); runs after the transport's finish().
    using OutcomeHook = std::function<void(ecb::Transport& transport, const ecb::Outcome& outcome, Served served)>;

    // `counters` (may be null) counts every request by the status it got.
    InprocDispatcher(const Router& router, ModuleManager& modules, WorkPool& pool, AccessLog* access_log,
                     ecb::FindingSink findings, std::filesystem::path document_root,
                     RequestCounters* counters = nullptr, OutcomeHook on_outcome = {});

    bool submit(ecb::Request&& request, std::shared_ptr<ClientConnection> connection) override;

    // HSE_REQ_REPORT_UNHEALTHY: told the module and the extension's reason
    // (a worker asks its pool for a recycle). Unset: the call is accepted and
    // nothing happens, as in one process there is nothing to recycle.
    using UnhealthyHandler = std::function<void(const std::string& module, const std::string& reason)>;
    void on_unhealthy(UnhealthyHandler handler) { on_unhealthy_ = std::move(handler); }

    // Serves a request a front end relayed (a worker process), on the
    // calling thread, as submit() would; it may complete later, on another
    // thread, if the extension returns PENDING. The front end logs it: it
    // is left out of this dispatcher's access log.
    void handle_relayed(ecb::Request&& request, std::shared_ptr<ecb::Transport> transport) {
        handle(std::move(request), std::move(transport), 0, false);
    }

private:
    // `depth`: 0 for a client's request, more for SEND_URL's internal ones.
    // `logged`: the access log gets the client's request.
    void handle(ecb::Request&& request, std::shared_ptr<ecb::Transport> transport, int depth, bool logged = true);
    // HSE_REQ_SEND_URL: serves `url` internally and captures the response.
    // The internal request inherits the client and server addresses and the
    // host name from `origin`, the request that asked for it.
    std::optional<ecb::InternalResponse> serve_internal(const std::string& url, const ecb::Request& origin,
                                                        int depth);

    const Router& router_;
    ModuleManager& modules_;
    WorkPool& pool_;
    AccessLog* access_log_;
    ecb::FindingSink findings_;
    std::filesystem::path document_root_;
    std::string document_root_string_;
    std::string appl_physical_path_;
    RequestCounters* counters_;
    OutcomeHook on_outcome_;
    UnhealthyHandler on_unhealthy_;
};

}  // namespace isapi::host
