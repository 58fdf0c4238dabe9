#include "host.hpp"

#include "../admin/admin_api.hpp"
#include "../admin/admin_server.hpp"
#include "../events/event_recorder.hpp"
#include "../modules/module_manager.hpp"
#include "../pool/work_pool.hpp"
#include "../server/http_session.hpp"
#include "../server/listener.hpp"
#include "access_log.hpp"
#include "inproc_dispatcher.hpp"

#include <isapi/platform/module_loader.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <thread>

namespace isapi::host {

namespace net = boost::asio;

namespace {

std::string mode_name(LoadMode mode) { return mode == LoadMode::cached ? "cached" : "uncached"; }

HostStatus inproc_status(const HostConfig& config, const ModuleManager& modules) {
    HostStatus status;
    status.pid = static_cast<std::uint32_t>(::getpid());
    status.isolation = "inproc";
    status.identity_header = config.identity_header;
    for (const auto& m : config.mappings)
        status.mappings.push_back({m.url, m.module.string(), mode_name(m.mode.value_or(config.default_mode))});
    status.workers.push_back({status.pid, 1, "in process"});
    status.modules = modules.loaded_modules();
    return status;
}

std::string printable(const net::ip::tcp::endpoint& endpoint) {
    const auto address = endpoint.address();
    return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
           std::to_string(endpoint.port());
}

}  // namespace

int run_host(const HostConfig& config) {
    for (const auto& m : config.mappings)
        if (!std::filesystem::exists(m.module))
            spdlog::warn("{} -> {}: the file does not exist yet; requests fail until it does", m.url,
                         m.module.string());

    net::io_context io(static_cast<int>(config.io_threads));
    WorkPool pool(config.threads, config.queue_limit);
    // The event log and counters outlive everything that reports to them.
    EventLog events;
    LifecycleCounters lifecycle;
    RequestCounters requests;
    EventRecorder recorder(events, lifecycle);
    const auto pid = static_cast<std::uint32_t>(::getpid());
    recorder.host_event(EventKind::host_start, "pid " + std::to_string(pid) + ", isolation inproc, " +
                                                   std::to_string(config.mappings.size()) + " mapping(s)");
    ecb::FindingSink findings = [&recorder](const ecb::Finding& f) {
        spdlog::warn("finding {} in {} (load {}): {}", f.kind, f.module.empty() ? "?" : f.module, f.load_generation,
                     f.evidence);
        recorder.finding(f);
    };
    ecb::set_orphan_finding_sink(findings);
    // The sink refers to this frame's event log: unset it however we leave.
    struct OrphanSinkReset {
        ~OrphanSinkReset() { ecb::set_orphan_finding_sink({}); }
    } orphan_sink_reset;
    ModuleManagerOptions module_options{config.shutdown_time_limit};
    module_options.identity = IdentityOptions{pid, 1, config.identity_header};
    module_options.events = [&recorder](const ModuleEvent& event) { recorder.module_event(event); };
    // Unloads get a thread of their own: on the request pool they could wait
    // behind requests that are themselves waiting, in acquire(), for that
    // very unload to finish, and every pool thread would block for good.
    WorkPool unloader(1, std::numeric_limits<std::size_t>::max());
    ModuleManager modules(platform::system_module_loader(), [&unloader](std::function<void()> task) {
        unloader.post(std::move(task));
    }, findings, std::move(module_options));
    Router router(config.mappings, config.default_mode);
    std::unique_ptr<AccessLog> access_log;
    if (!config.access_log.empty()) access_log = std::make_unique<AccessLog>(config.access_log);
    InprocDispatcher dispatcher(router, modules, pool, access_log.get(), findings, config.document_root, &requests);

    const net::ip::tcp::endpoint endpoint(net::ip::make_address(config.listen_address), config.listen_port);
    auto listener = std::make_shared<Listener>(io, endpoint, "the HTTP listener", [&](net::ip::tcp::socket socket) {
        std::make_shared<HttpSession>(std::move(socket), config.limits, dispatcher)->start();
    });
    // The admin API has its own socket: no extension mapping can reach it.
    std::unique_ptr<AdminApi> admin_api;
    std::shared_ptr<AdminServer> admin;
    if (!config.admin_address.empty()) {
        AdminSources sources;
        sources.status = [&config, &modules] { return inproc_status(config, modules); };
        sources.events = &events;
        sources.requests = &requests;
        sources.lifecycle = &lifecycle;
        admin_api = std::make_unique<AdminApi>(std::move(sources), config.admin_token);
        const net::ip::tcp::endpoint admin_endpoint(net::ip::make_address(config.admin_address), config.admin_port);
        admin = std::make_shared<AdminServer>(io, admin_endpoint, *admin_api);
    }
    std::printf("listening on http://%s\n", printable(listener->local_endpoint()).c_str());
    if (admin) std::printf("admin on http://%s\n", printable(admin->local_endpoint()).c_str());
    std::fflush(stdout);
    spdlog::info("serving {} mapping(s), {} mode, {} pool threads", config.mappings.size(),
                 config.default_mode == LoadMode::cached ? "cached" : "uncached", config.threads);
    listener->start();
    if (admin) admin->start();

    // Shutdown runs on its own thread: the io threads must keep serving the
    // requests that are still finishing.
    std::thread stopper;
    bool drained = true;
    net::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        spdlog::info("signal {}: stopping; waiting up to {} ms for running requests", signal,
                     config.shutdown_time_limit.count());
        listener->stop();
        if (admin) admin->stop();
        stopper = std::thread([&] {
            drained = modules.shutdown();
            recorder.host_event(EventKind::host_stop, drained ? "stopped" : "requests still running at the time limit");
            if (drained) {
                pool.stop();
                unloader.stop();
            }
            io.stop();
        });
    });

    std::vector<std::thread> io_threads;
    for (std::size_t i = 1; i < config.io_threads; ++i) io_threads.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : io_threads) t.join();
    if (stopper.joinable()) stopper.join();
    if (access_log) access_log->flush();
    if (!drained) {
        spdlog::error("requests were still running after the shutdown time limit; exiting without waiting");
        spdlog::shutdown();
        std::fflush(nullptr);
        std::_Exit(exit_shutdown_time_limit);  // stuck extension threads cannot be joined
    }
    spdlog::info("stopped");
    return exit_ok;
}

}  // namespace isapi::host
