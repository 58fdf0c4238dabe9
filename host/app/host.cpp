#include "host.hpp"

#include "../modules/module_manager.hpp"
#include "../pool/work_pool.hpp"
#include "../server/listener.hpp"
#include "access_log.hpp"
#include "inproc_dispatcher.hpp"

#include <isapi/platform/module_loader.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

namespace isapi::host {

namespace net = boost::asio;

int run_host(const HostConfig& config) {
    for (const auto& m : config.mappings)
        if (!std::filesystem::exists(m.module))
            spdlog::warn("{} -> {}: the file does not exist yet; requests fail until it does", m.url,
                         m.module.string());

    net::io_context io(static_cast<int>(config.io_threads));
    WorkPool pool(config.threads, config.queue_limit);
    ecb::FindingSink findings = [](const ecb::Finding& f) {
        spdlog::warn("finding {} in {} (load {}): {}", f.kind, f.module.empty() ? "?" : f.module, f.load_generation,
                     f.evidence);
    };
    ecb::set_orphan_finding_sink(findings);
    ModuleManager modules(platform::system_module_loader(), [&pool](std::function<void()> task) {
        pool.post(std::move(task));
    }, findings, ModuleManagerOptions{config.shutdown_time_limit});
    Router router(config.mappings, config.default_mode);
    std::unique_ptr<AccessLog> access_log;
    if (!config.access_log.empty()) access_log = std::make_unique<AccessLog>(config.access_log);
    InprocDispatcher dispatcher(router, modules, pool, access_log.get(), findings, config.document_root);

    const net::ip::tcp::endpoint endpoint(net::ip::make_address(config.listen_address), config.listen_port);
    auto listener = std::make_shared<Listener>(io, endpoint, config.limits, dispatcher);
    const auto bound = listener->local_endpoint();
    const std::string address = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                                        : bound.address().to_string();
    std::printf("listening on http://%s:%u\n", address.c_str(), static_cast<unsigned>(bound.port()));
    std::fflush(stdout);
    spdlog::info("serving {} mapping(s), {} mode, {} pool threads", config.mappings.size(),
                 config.default_mode == LoadMode::cached ? "cached" : "uncached", config.threads);
    listener->start();

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
        stopper = std::thread([&] {
            drained = modules.shutdown();
            if (drained) pool.stop();
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
