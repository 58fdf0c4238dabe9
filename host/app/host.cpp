#include "host.hpp"

#include <isapi/contract/host_contract.hpp>

#include "../admin/admin_api.hpp"
#include "../admin/admin_server.hpp"
#include "../server/http_session.hpp"
#include "../server/io_runner.hpp"
#include "../server/listener.hpp"
#include "backend.hpp"
#include "derived_options.hpp"

#include <isapi/platform/process.hpp>
#include <isapi/platform/sanitizer.hpp>
#include <isapi/platform/stop_signals.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

namespace isapi::host {

namespace net = boost::asio;

namespace {

std::string printable(const net::ip::tcp::endpoint& endpoint) {
    const auto address = endpoint.address();
    // Appends, not operator+: GCC 12 warns (-Wrestrict) on the chained form.
    std::string text;
    if (address.is_v6()) text.append("[").append(address.to_string()).append("]");
    else text.append(address.to_string());
    return text.append(":").append(std::to_string(endpoint.port()));
}

// The listener's TLS, when --tls-cert asks for it (the command line has
// refused it already where TLS is not built in). Throws when a file cannot
// be used, before anything listens.
std::unique_ptr<TlsContext> make_tls_context(const HostConfig& config) {
#if ISAPI_HOST_TLS
    if (config.tls) {
        auto tls = std::make_unique<TlsContext>(*config.tls);
        spdlog::info("TLS on the client port: certificate {}, client certificates {}", config.tls->cert.string(),
                     config.tls->client_certs == ClientCertMode::require  ? "required"
                     : config.tls->client_certs == ClientCertMode::accept ? "accepted"
                                                                           : "ignored");
        return tls;
    }
#endif
    (void)config;
    return nullptr;
}

}  // namespace

int run_host(const HostConfig& config) {
    for (const auto& m : config.mappings)
        if (!std::filesystem::exists(m.module))
            spdlog::warn("{} -> {}: the file does not exist yet; requests fail until it does", m.url,
                         m.module.string());

    const bool inproc = config.isolation == Isolation::inproc;
    IoRunner::Options io_options;
    io_options.io_threads = config.io_threads;
    // Only the in-process dispatcher runs extension code; the worker-process
    // front end just relays.
    io_options.inline_budget = inproc ? config.inline_budget : std::chrono::microseconds(0);
    net::io_context io(IoRunner::concurrency_hint(io_options));
    IoRunner io_runner(io, io_options);
    // The event log and counters outlive everything that reports to them.
    EventLog events;
    LifecycleCounters lifecycle;
    RequestCounters requests;
    EventRecorder recorder(events, lifecycle);
    recorder.host_event(EventKind::host_start, "pid " + std::to_string(platform::current_process_id()) +
                                                   ", isolation " + (inproc ? "inproc" : "process") + ", " +
                                                   std::to_string(config.mappings.size()) + " mapping(s)");
    std::unique_ptr<AccessLog> access_log;
    if (!config.access_log.empty())
        access_log = std::make_unique<AccessLog>(config.access_log, config.access_log_fields);
    BackendParts parts{config, io, recorder, requests, access_log.get()};
    std::unique_ptr<Backend> backend = inproc ? make_inproc_backend(parts) : make_process_backend(parts);

    std::unique_ptr<TlsContext> tls = make_tls_context(config);
    const net::ip::tcp::endpoint endpoint(net::ip::make_address(config.listen_address), config.listen_port);
    auto listener = std::make_shared<Listener>(io, endpoint, "the HTTP listener", [&](net::ip::tcp::socket socket) {
        if (backend->take_connection(socket)) return;
        std::make_shared<HttpSession>(std::move(socket), config.limits, backend->dispatcher(), tls.get())->start();
    }, /*strand_per_socket=*/config.io_threads > 1);
    // The admin API has its own socket (no extension mapping can reach it)
    // and its own thread: a recycle waits for the worker pool, which runs
    // on the main io_context.
    net::io_context admin_io(1);
    std::unique_ptr<AdminApi> admin_api;
    std::shared_ptr<AdminServer> admin;
    if (!config.admin_address.empty()) {
        AdminSources sources;
        backend->describe(sources);
        sources.events = &events;
        sources.requests = &requests;
        sources.lifecycle = &lifecycle;
        admin_api = std::make_unique<AdminApi>(std::move(sources), config.admin_token);
        const net::ip::tcp::endpoint admin_endpoint(net::ip::make_address(config.admin_address), config.admin_port);
        admin = std::make_shared<AdminServer>(admin_io, admin_endpoint, *admin_api);
    }
    listener->start();
    backend->start();
    std::thread admin_thread;
    if (admin) {
        admin->start();
        admin_thread = std::thread([&admin_io] { admin_io.run(); });
    }

    // Shutdown runs on its own thread: the io threads must keep serving the
    // requests that are still finishing.
    std::thread stopper;
    bool drained = true;
    // The seam calls from a thread of its own; the work runs where the
    // listener and backend expect it, on the io_context (several threads
    // with --io-threads, hence the atomic: the first stop request wins).
    std::atomic<bool> stopping{false};
    platform::StopSignals stop_signals([&](platform::StopRequest request, const std::string& cause) {
        net::post(io, [&, request, cause] {
            if (request == platform::StopRequest::recycle) {
                if (stopping) return;
                spdlog::info("{}: recycling the worker pool", cause);
                backend->on_sighup();
                return;
            }
            if (stopping.exchange(true)) return;
            spdlog::info("{}: stopping; waiting up to {} ms for running requests", cause,
                         config.shutdown_time_limit.count());
            listener->stop();
            if (admin) net::post(admin_io, [&] { admin->stop(); });
            stopper = std::thread([&] {
                drained = backend->shutdown();
                recorder.host_event(EventKind::host_stop,
                                    drained ? "stopped" : "requests still running at the time limit");
                io.stop();
            });
        });
    });

    // Only now, with the stop signals handled: whoever started this process
    // may stop it as soon as it reads that it listens (a SIGTERM before the
    // handler would end it abruptly, with nothing drained).
    std::printf("%.*s%s://%s\n", static_cast<int>(contract::kListeningLine.size()), contract::kListeningLine.data(),
                tls ? "https" : "http", printable(listener->local_endpoint()).c_str());
    if (admin)
        std::printf("%.*shttp://%s\n", static_cast<int>(contract::kAdminLine.size()), contract::kAdminLine.data(),
                    printable(admin->local_endpoint()).c_str());
    std::fflush(stdout);
    spdlog::info("serving {} mapping(s), {} mode, {}, {} pool threads{}", config.mappings.size(),
                 to_string(config.default_mode),
                 inproc            ? "in process"
                 : config.handoff ? "in worker processes, which are handed the connections"
                                  : "in worker processes, relayed by this process",
                 pool_threads(config), inproc ? "" : " each");
    if constexpr (!platform::sanitizer_name().empty())
        spdlog::info("built with {}: its reports go to this output; leak_per_cycle watches the sanitizer's heap, "
                     "fds and threads, not RSS (shadow memory grows with every load)",
                     platform::sanitizer_name());
    io_runner.run();
    if (stopper.joinable()) stopper.join();
    io_runner.join(drained);
    if (io_runner.inline_enabled()) {
        const auto stats = io_runner.stats();
        spdlog::info("inline fast path: {} request(s) ran on the I/O thread; {} rescue(s) past the {} us budget, "
                     "{} hand-off(s) before a wait",
                     stats.inline_calls, stats.rescues, config.inline_budget.count(), stats.handoffs);
    }
    admin_io.stop();
    if (admin_thread.joinable()) admin_thread.join();
    if (access_log) access_log->flush();
    if (!drained) {
        spdlog::error("extension code was still running at the shutdown time limit (a request, or a "
                      "TerminateExtension that did not return); exiting without waiting");
        spdlog::shutdown();
        std::fflush(nullptr);
        std::_Exit(exit_shutdown_time_limit);  // stuck extension threads cannot be joined
    }
    backend.reset();
    spdlog::info("stopped");
    return exit_ok;
}

}  // namespace isapi::host
