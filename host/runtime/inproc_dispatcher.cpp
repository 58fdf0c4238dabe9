#include "inproc_dispatcher.hpp"

#include "../detectors/hang_watch.hpp"
#include "../server/canned_response.hpp"
#include "../server/io_runner.hpp"
#include "capture_transport.hpp"

#include <isapi/ecb/dispatch.hpp>

#include <array>
#include <chrono>

namespace isapi::host {
namespace {

// A missing file is 404 when the URL names it, as IIS answers for a missing
// script; reached through a wildcard mapping it is the server's fault (500).
unsigned status_for(AcquireFailure failure, bool url_names_module) {
    switch (failure) {
        case AcquireFailure::missing_file: return url_names_module ? 404 : 500;
        case AcquireFailure::shutting_down: return 503;
        default: return 500;
    }
}


// Internal redirects (SEND_URL) may chain; a loop must not exhaust the stack.
constexpr int kMaxInternalDepth = 4;
constexpr auto kInternalTimeout = std::chrono::seconds(30);

ecb::Outcome respond(ecb::Transport& transport, const ecb::Request& request, unsigned status, std::string_view message) {
    // 503 means the host is stopping or overloaded: let the client go elsewhere.
    const bool keep_alive = request.keep_alive && status != 503;
    const std::string text = canned_response(status, message, keep_alive);
    const std::array<std::string_view, 1> pieces{text};
    transport.send(pieces);
    transport.finish(keep_alive, false);
    ecb::Outcome outcome;
    outcome.status = status;
    outcome.bytes_sent = text.size();
    outcome.keep_alive = keep_alive;
    return outcome;
}

}  // namespace

InprocDispatcher::InprocDispatcher(const Router& router, ModuleManager& modules, WorkPool& pool,
                                   AccessLog* access_log, ecb::FindingSink findings,
                                   std::filesystem::path document_root, RequestCounters* counters,
                                   OutcomeHook on_outcome)
    : router_(router),
      modules_(modules),
      pool_(pool),
      access_log_(access_log),
      findings_(std::move(findings)),
      document_root_(std::filesystem::absolute(document_root).lexically_normal()),
      document_root_string_(document_root_.string()),
      appl_physical_path_((document_root_ / "").string()),
      counters_(counters),
      on_outcome_(std::move(on_outcome)) {
    // "/srv/site/" -> "/srv/site": PATH_INFO brings its own leading '/'.
    if (document_root_string_.size() > 1 && document_root_string_.back() == '/') document_root_string_.pop_back();
}

bool InprocDispatcher::submit(ecb::Request&& request, std::shared_ptr<ClientConnection> connection) {
    if (counters_) counters_->begin();
    // The fast path: a request whose whole body is at hand runs right here
    // on the I/O thread, with a standby thread ready to take the I/O over
    // should it run long (see IoRunner). One with more body to stream would
    // only wait for the I/O, so it goes to the pool.
    const bool body_at_hand = request.content_length == request.preloaded_body.size();
    if (body_at_hand && IoRunner::may_run_inline()) {
        const IoRunner::InlineCall call;
        handle(std::move(request), std::move(connection), 0);
        return true;
    }
    const bool queued = pool_.try_post([this, request = std::move(request), connection = std::move(connection)]() mutable {
        handle(std::move(request), std::move(connection), 0);
    });
    if (!queued && counters_) counters_->end(503);  // the front end answers 503
    return queued;
}

void InprocDispatcher::handle(ecb::Request&& request, std::shared_ptr<ecb::Transport> transport, int depth, bool logged) {
    const auto started = std::chrono::steady_clock::now();
    // Only client requests count; SEND_URL's internal ones are part of theirs.
    RequestCounters* counters = depth == 0 ? counters_ : nullptr;
    auto target = split_target(request.unencoded_url);
    if (target) {
        request.url = std::move(target->path);
        request.query_string = std::move(target->query);
    }
    // Client requests only: IIS logs a child request (SEND_URL) as part of
    // its parent, and so does a worker's front end.
    std::optional<AccessRecord> record;
    if (access_log_ && depth == 0 && logged) record = access_log_->record_for(request);
    // The host's own answers are logged as the extension's are, as a worker
    // process's front end logs them.
    auto answer = [&](unsigned status, std::string_view message) {
        if (counters) counters->end(status);
        const ecb::Outcome outcome = respond(*transport, request, status, message);
        if (depth == 0 && on_outcome_) on_outcome_(*transport, outcome, {std::chrono::steady_clock::now() - started, nullptr, {}});
        if (record) {
            record->complete(outcome, started);
            access_log_->write(*record);
        }
    };
    if (!target) return answer(400, "the request URL is malformed or leaves the site root");

    const auto route = router_.route(request.url);
    if (!route) return answer(404, "no extension is mapped at " + request.url);
    request.script_name = route->script_name;
    request.path_info = route->path_info;
    const std::string& physical = request.path_info.empty() ? request.script_name : request.path_info;
    // Plain concatenation unless the path has dot segments: the filesystem
    // path machinery costs more than the rest of the routing together.
    request.path_translated = physical.find("/.") == std::string::npos
                                  ? document_root_string_ + physical
                                  : (document_root_ / physical.substr(1)).lexically_normal().string();
    request.document_root = document_root_string_;
    request.appl_physical_path = appl_physical_path_;

    AcquireResult acquired = modules_.acquire(route->mapping->module, route->mode);
    if (!acquired.ok()) return answer(status_for(acquired.failure, route->url_names_module), acquired.reason);
    auto lease = std::make_shared<ModuleLease>(std::move(acquired.lease));

    // The lease keeps the module loaded. Besides the request itself (released
    // in on_complete), every task the emulator posts holds it while it runs:
    // such a task calls the extension's completion routine, which may end the
    // request with DONE_WITH_SESSION and must still return into loaded code.
    ecb::DispatchContext context;
    context.executor = [this, weak = std::weak_ptr<ModuleLease>(lease)](std::function<void()> task) {
        pool_.post([task = std::move(task), held = weak.lock()] { task(); });
    };
    context.findings = findings_;
    context.module = lease->module_name();
    context.load_generation = lease->load_generation();
    context.in_process = true;
    context.extra_response_headers = &lease->identity_headers();
    if (on_unhealthy_)
        // Two pointers: small enough to need no allocation. The lease outlives
        // every callback of the request.
        context.report_unhealthy = [this, held = lease.get()](const std::string& reason) {
            on_unhealthy_(held->module_name(), reason);
        };
    // Two words: no allocation for a callback that few requests use.
    context.send_url = [this, depth](const std::string& url, const ecb::Request& from) {
        return serve_internal(url, from, depth + 1);
    };
    // The emulator keeps the transport alive until on_complete has run.
    context.on_complete = [lease, log = access_log_, record = std::move(record), started, counters,
                           mapping = route->mapping, hook = depth == 0 ? &on_outcome_ : nullptr,
                           transport_ptr = transport.get()](const ecb::Outcome& outcome) mutable {
        const auto elapsed = std::chrono::steady_clock::now() - started;
        if (counters)
            counters->latencies().record(mapping, lease->sha256(), elapsed, [&] {
                return RequestLatencies::Labels{mapping->url, lease->module_name()};
            });
        Served served;
        if (hook && *hook) served = {elapsed, mapping, lease->sha256()};
        lease.reset();
        if (counters) counters->end(outcome.status);
        if (hook && *hook) (*hook)(*transport_ptr, outcome, std::move(served));
        if (!record) return;
        record->complete(outcome, started);
        log->write(*record);
    };
    const PFN_HTTPEXTENSIONPROC proc = lease->proc();
    // The lease (in on_complete) keeps the name alive for the whole call.
    const EntryPointCall watched("HttpExtensionProc", lease->module_name(), lease->load_generation());
    ecb::dispatch(std::move(request), proc, std::move(transport), std::move(context));
}

std::optional<ecb::InternalResponse> InprocDispatcher::serve_internal(const std::string& url,
                                                                      const ecb::Request& origin, int depth) {
    if (depth > kMaxInternalDepth) return std::nullopt;
    ecb::Request request;
    request.remote_addr = origin.remote_addr;
    request.remote_port = origin.remote_port;
    request.local_addr = origin.local_addr;
    request.local_port = origin.local_port;
    request.server_name = origin.server_name;
    request.method = "GET";
    request.unencoded_url = url;
    request.content_length = 0;
    request.keep_alive = true;
    auto capture = std::make_shared<CaptureTransport>();
    handle(std::move(request), capture, depth);
    // Run inline, an internal request that went PENDING completes on another
    // thread, which may need this one's I/O.
    if (!capture->finished()) IoRunner::before_blocking();
    return capture->wait(kInternalTimeout);
}

}  // namespace isapi::host
