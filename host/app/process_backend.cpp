// --isolation process: extensions run in worker processes of one application
// pool; this process keeps the sockets (as HTTP.sys does).
#include "backend.hpp"
#include "derived_options.hpp"

#include "../server/http_session.hpp"
#include "../workers/app_pool.hpp"
#include "../workers/module_watch.hpp"

#include <isapi/platform/process.hpp>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <set>

namespace isapi::host {

namespace net = boost::asio;

namespace {

// The admin API's answer to a pool command: 202 started, 409 conflict, 503
// while the host stops, 500 when a worker cannot start.
RecycleResult admin_result(const PoolCommandResult& result) {
    using Kind = PoolCommandResult::Kind;
    const unsigned status = result.kind == Kind::started         ? 202
                            : result.kind == Kind::conflict      ? 409
                            : result.kind == Kind::shutting_down ? 503
                                                                 : 500;
    return {status, result.message};
}

class ProcessBackend final : public Backend {
public:
    explicit ProcessBackend(BackendParts parts)
        : config_(parts.config),
          io_(parts.io),
          pool_(parts.io, platform::system_process_control(), pool_options(config_), parts.recorder, parts.requests,
                parts.access_log) {
        // A connection no worker can take is served here, through the pool
        // like any other (which answers 503 where no worker serves), and
        // offered to the pool again after each request it keeps open.
        pool_.set_relay_here([this](HandedSocket handed) {
            net::ip::tcp::socket socket(io_);
            boost::system::error_code ec;
            socket.assign(handed.v6 ? net::ip::tcp::v6() : net::ip::tcp::v4(), static_cast<int>(handed.socket), ec);
            if (ec) return platform::close_descriptor(handed.socket);
            relay_until_kept_alive(std::move(socket), handed.v6, handed.preread);
        });
        if (config_.watch) {
            std::set<std::string> paths;
            for (const auto& m : config_.mappings) paths.insert(m.module.string());
            watch_.emplace(parts.io.get_executor(), std::vector<std::string>(paths.begin(), paths.end()),
                           config_.watch_interval, [this](const std::string&, const std::string& detail) {
                               pool_.recycle_later(RecycleMode::overlapped, detail);
                           });
        }
    }

    Dispatcher& dispatcher() override { return pool_; }

    void describe(AdminSources& sources) override {
        sources.status = [this] {
            HostStatus status;
            status.pid = static_cast<std::uint32_t>(platform::current_process_id());
            status.isolation = "process";
            status.identity_header = config_.identity_header;
            status.mappings = mapping_statuses(config_);
            auto pool = pool_.snapshot();
            for (auto& w : pool.workers)
                status.workers.push_back({w.pid, w.generation, std::move(w.state), w.in_flight, w.served});
            status.modules = std::move(pool.modules);
            status.pool_state = std::move(pool.state);
            return status;
        };
        sources.recycle = [this](std::string_view mode) {
            return admin_result(pool_.recycle(
                mode == "immediate" ? RecycleMode::immediate : RecycleMode::overlapped, "POST /_isapi/recycle"));
        };
        sources.reset = [this] { return admin_result(pool_.reset()); };
    }

    void start() override {
        if (config_.preload) pool_.start_worker_now();
        if (watch_) watch_->start();
    }

    // --handoff: the first request is relayed from here, and a connection
    // the client keeps open then goes to the worker. A connection that
    // carries one request costs less relayed than handed over
    // (docs/architecture.md, "Connection hand-off").
    bool take_connection(net::ip::tcp::socket& socket) override {
        if (!config_.handoff) return false;
        boost::system::error_code ec;
        const bool v6 = socket.local_endpoint(ec).address().is_v6();
        if (ec) return true;  // the client is gone already: the socket closes here
        relay_until_kept_alive(std::move(socket), v6, {});
        return true;
    }

    void on_sighup() override { pool_.recycle_later(RecycleMode::overlapped, "SIGHUP"); }

    bool shutdown() override {
        // The watch's timer belongs to the I/O thread.
        if (watch_) net::post(io_, [this] { watch_->stop(); });
        return pool_.shutdown();
    }

private:
    void relay_until_kept_alive(net::ip::tcp::socket socket, bool v6, std::string_view preread) {
        auto session = std::make_shared<HttpSession>(std::move(socket), config_.limits, pool_,
                                                     pool_.pass_on_when_kept_alive(v6), preread);
        session->hand_back_when_kept_alive();
        session->start();
    }

    const HostConfig& config_;
    boost::asio::io_context& io_;
    AppPool pool_;
    std::optional<ModuleWatch> watch_;
};

}  // namespace

std::unique_ptr<Backend> make_process_backend(BackendParts parts) { return std::make_unique<ProcessBackend>(parts); }

}  // namespace isapi::host
