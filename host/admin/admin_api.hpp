#pragma once
// The admin API as a function: request in, response out, no sockets
// (AdminServer carries it over HTTP). Endpoints (docs/host.md):
//   GET  /_isapi/status            JSON: host, mappings, workers, modules, counters
//   GET  /_isapi/metrics           Prometheus text
//   GET  /_isapi/events?since=N    JSON lines of events with seq > N
//   POST /_isapi/recycle?mode=overlapped|immediate
//   POST /_isapi/reset             restart a pool that rapid-fail protection stopped
// With a token, every request needs "Authorization: Bearer TOKEN" (else 401).
#include "../events/event_log.hpp"
#include "../events/lifecycle_counters.hpp"
#include "../events/request_counters.hpp"
#include "host_status.hpp"
#include "metrics_text.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace isapi::host {

struct AdminRequest {
    std::string method;         // "GET", "POST", ...
    std::string target;         // "/_isapi/events?since=3"
    std::string authorization;  // the Authorization header, empty if absent
};

struct AdminResponse {
    unsigned status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
};

struct RecycleResult {
    unsigned status = 202;  // 202 started, or an error status
    std::string message;
};

struct AdminSources {
    std::function<HostStatus()> status;  // required
    const EventLog* events = nullptr;    // required
    const RequestCounters* requests = nullptr;
    const LifecycleCounters* lifecycle = nullptr;
    // Starts a recycle in mode "overlapped" or "immediate". Empty: this host
    // has no worker processes to recycle (inproc), and the API says so.
    std::function<RecycleResult(std::string_view mode)> recycle;
    // Restarts a pool that rapid-fail protection stopped. Empty: inproc.
    std::function<RecycleResult()> reset;
};

class AdminApi {
public:
    AdminApi(AdminSources sources, std::optional<std::string> token);

    AdminResponse handle(const AdminRequest& request) const;

    // The metrics text as of now (also used by tests and the status page).
    MetricsSnapshot metrics() const;

private:
    AdminResponse status() const;
    AdminResponse events(std::string_view query) const;
    AdminResponse recycle(std::string_view query) const;
    AdminResponse reset() const;
    bool authorized(std::string_view authorization) const;

    AdminSources sources_;
    std::optional<std::string> token_;
};

// The process_* samples of the host and of each of its workers, from the OS
// (for GET /_isapi/metrics only: each process costs a few /proc reads).
std::vector<ProcessSample> process_samples(const HostStatus& status);

// The value of `name` in a query string ("a=1&b=2"), nullopt when absent.
// Values are taken as written (the admin API's values need no decoding).
std::optional<std::string_view> query_parameter(std::string_view query, std::string_view name);

}  // namespace isapi::host
