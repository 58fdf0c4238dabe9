#pragma once
// Where isapi-host runs extensions: in this process, or in worker processes.
// The HTTP front end, admin API and signals are the same for both; they talk
// to a Backend.
#include "../admin/admin_api.hpp"
#include "../events/event_recorder.hpp"
#include "../events/request_counters.hpp"
#include "../server/dispatcher.hpp"
#include "../runtime/access_log.hpp"
#include "host_config.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace isapi::host {

class Backend {
public:
    virtual ~Backend() = default;
    virtual Dispatcher& dispatcher() = 0;
    // Fills the admin API's hooks (status, and recycle/reset with workers).
    virtual void describe(AdminSources& sources) = 0;
    virtual void start() {}
    // --handoff: takes an accepted connection to pass to a worker; false
    // (the socket untouched) when the front end serves it itself.
    virtual bool take_connection(boost::asio::ip::tcp::socket& socket) {
        (void)socket;
        return false;
    }
    virtual void on_sighup() {}
    // Finishes running requests within the shutdown time limit, then
    // TerminateExtension and unload. False when some did not finish.
    virtual bool shutdown() = 0;
};

// The mappings as GET /_isapi/status shows them.
inline std::vector<MappingStatus> mapping_statuses(const HostConfig& config) {
    std::vector<MappingStatus> out;
    for (const auto& m : config.mappings)
        out.push_back({m.url, m.module.string(), std::string(to_string(m.mode.value_or(config.default_mode)))});
    return out;
}

struct BackendParts {
    const HostConfig& config;
    boost::asio::io_context& io;
    EventRecorder& recorder;
    RequestCounters& requests;
    AccessLog* access_log;
};

std::unique_ptr<Backend> make_inproc_backend(BackendParts parts);
std::unique_ptr<Backend> make_process_backend(BackendParts parts);

}  // namespace isapi::host
