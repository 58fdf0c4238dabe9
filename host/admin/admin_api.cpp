#include "admin_api.hpp"

#include <isapi/contract/host_contract.hpp>

#include "admin_json.hpp"

#include <cctype>
#include <charconv>

namespace isapi::host {
namespace {

namespace paths = contract::admin;

AdminResponse json_error(unsigned status, std::string message) {
    AdminResponse r;
    r.status = status;
    r.body = nlohmann::json{{"error", std::move(message)}}.dump() + "\n";
    return r;
}

AdminResponse method_not_allowed(std::string_view allowed) {
    AdminResponse r = json_error(405, "use " + std::string(allowed) + " for this endpoint");
    r.headers.emplace_back("Allow", std::string(allowed));
    return r;
}

// Compares without an early exit over the bytes, so response timing does not
// reveal how much of a guessed token was right (only whether its length was).
bool same_secret(std::string_view given, std::string_view secret) {
    if (given.size() != secret.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ secret[i]);
    return diff == 0;
}

}  // namespace

std::optional<std::string_view> query_parameter(std::string_view query, std::string_view name) {
    while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        const auto eq = pair.find('=');
        if (pair.substr(0, eq) == name) return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

AdminApi::AdminApi(AdminSources sources, std::optional<std::string> token)
    : sources_(std::move(sources)), token_(std::move(token)) {}

bool AdminApi::authorized(std::string_view authorization) const {
    if (!token_) return true;
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() < scheme.size()) return false;
    for (std::size_t i = 0; i < scheme.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
            std::tolower(static_cast<unsigned char>(scheme[i])))
            return false;
    return same_secret(authorization.substr(scheme.size()), *token_);
}

AdminResponse AdminApi::handle(const AdminRequest& request) const {
    if (!authorized(request.authorization)) {
        AdminResponse r = json_error(401, "this admin API needs \"Authorization: Bearer TOKEN\" (the token comes from --admin-token, --admin-token-file or ISAPI_ADMIN_TOKEN)");
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"isapi-host\"");
        return r;
    }
    const std::string_view target = request.target;
    const auto question = target.find('?');
    const std::string_view path = target.substr(0, question);
    const std::string_view query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
    const bool get = request.method == "GET";

    if (path == paths::status) return get ? status() : method_not_allowed("GET");
    if (path == paths::metrics) {
        if (!get) return method_not_allowed("GET");
        AdminResponse r;
        r.content_type = std::string(kMetricsContentType);
        MetricsSnapshot snapshot = metrics();
        snapshot.processes = process_samples(sources_.status());
        r.body = format_metrics(snapshot);
        return r;
    }
    if (path == paths::events) return get ? events(query) : method_not_allowed("GET");
    if (path == paths::recycle) return request.method == "POST" ? recycle(query) : method_not_allowed("POST");
    if (path == paths::reset) return request.method == "POST" ? reset() : method_not_allowed("POST");
    if (path.starts_with(paths::prefix) || path == "/_isapi")
        return json_error(404, "no admin endpoint " + std::string(path) +
                                   "; try /_isapi/status, /_isapi/metrics, /_isapi/events, /_isapi/recycle or "
                                   "/_isapi/reset");
    return json_error(404, "the admin port serves only /_isapi/ endpoints; extensions are on the --listen port");
}

std::vector<ProcessSample> process_samples(const HostStatus& status) {
    std::vector<ProcessSample> out;
    if (const auto host = platform::process_stats(status.pid)) out.push_back({false, 0, status.pid, *host});
    // A worker that ended since the status was taken is left out; so is the
    // in-process host's own entry, which its status lists as worker 1.
    for (const WorkerStatus& w : status.workers)
        if (w.pid == status.pid) continue;
        else if (const auto stats = platform::process_stats(w.pid)) out.push_back({true, w.generation, w.pid, *stats});
    return out;
}

MetricsSnapshot AdminApi::metrics() const {
    MetricsSnapshot s;
    if (sources_.requests) {
        s.requests = sources_.requests->snapshot();
        s.latencies = sources_.requests->latencies().snapshot();
    }
    if (sources_.lifecycle) s.lifecycle = sources_.lifecycle->snapshot();
    if (sources_.events)
        s.uptime_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - sources_.events->start()).count();
    return s;
}

AdminResponse AdminApi::status() const {
    const EventLogStatus log{sources_.events->first_seq(), sources_.events->last_seq(), sources_.events->capacity()};
    AdminResponse r;
    r.body = status_to_json(sources_.status(), metrics(), log).dump(2, ' ', false,
                                                                    nlohmann::json::error_handler_t::replace) +
             "\n";
    return r;
}

AdminResponse AdminApi::events(std::string_view query) const {
    std::uint64_t since = 0;
    if (const auto text = query_parameter(query, "since")) {
        const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), since);
        if (text->empty() || ec != std::errc() || end != text->data() + text->size())
            return json_error(400, "since must be a sequence number (a non-negative integer), not '" +
                                       std::string(*text) + "'");
    }
    AdminResponse r;
    r.content_type = "application/x-ndjson";
    r.body = events_as_json_lines(sources_.events->since(since), sources_.events->start());
    // Tells a poller whether it fell behind the ring (first > since + 1).
    r.headers.emplace_back("X-Isapi-First-Seq", std::to_string(sources_.events->first_seq()));
    r.headers.emplace_back("X-Isapi-Last-Seq", std::to_string(sources_.events->last_seq()));
    return r;
}

AdminResponse AdminApi::reset() const {
    if (!sources_.reset)
        return json_error(409, "only a worker-process pool can be stopped and reset; this host runs extensions in "
                               "process (--isolation inproc)");
    const RecycleResult result = sources_.reset();
    AdminResponse r;
    r.status = result.status;
    r.body = nlohmann::json{{"message", result.message}}.dump() + "\n";
    return r;
}

AdminResponse AdminApi::recycle(std::string_view query) const {
    const std::string_view mode = query_parameter(query, "mode").value_or("overlapped");
    if (mode != "overlapped" && mode != "immediate")
        return json_error(400, "mode must be overlapped or immediate, not '" + std::string(mode) + "'");
    if (!sources_.recycle)
        return json_error(409, "recycling needs worker processes, and this host runs extensions in process "
                               "(--isolation inproc); restart the host to load a new build");
    const RecycleResult result = sources_.recycle(mode);
    AdminResponse r;
    r.status = result.status;
    r.body = nlohmann::json{{"mode", mode}, {"message", result.message}}.dump() + "\n";
    return r;
}

}  // namespace isapi::host
