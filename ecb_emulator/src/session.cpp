#include "session.hpp"

#include "callbacks.hpp"
#include "conn_registry.hpp"
#include "header_text.hpp"
#include "server_variables.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

namespace isapi::ecb::detail {

namespace {

bool is_http11(std::string_view protocol) { return protocol != "HTTP/1.0" && protocol != "HTTP/0.9"; }

ResponseWriter::Options writer_options(const Request& request, const DispatchContext& context) {
    ResponseWriter::Options options;
    options.head_request = request.method == "HEAD";
    options.http11 = is_http11(request.protocol);
    options.client_keep_alive = request.keep_alive;
    options.extra_headers = context.extra_response_headers;
    return options;
}

}  // namespace

BOOL fail(DWORD error) {
    SetLastError(error);
    return FALSE;
}

Session::Session(Request&& request, std::shared_ptr<Transport>&& transport, DispatchContext&& context)
    : request_(std::move(request)),
      transport_(std::move(transport)),
      context_(std::move(context)),
      writer_(*transport_, writer_options(request_, context_),
              [this](std::string_view kind, std::string evidence) { record_finding(kind, std::move(evidence)); }),
      body_received_(request_.preloaded_body.size()) {}

void Session::start() {
    conn_id_ = ConnRegistry::instance().add(shared_from_this());
    ecb.cbSize = sizeof(EXTENSION_CONTROL_BLOCK);
    ecb.dwVersion = HSE_VERSION;
    ecb.ConnID = conn_id_;
    ecb.dwHttpStatusCode = 200;
    ecb.lpszLogData[0] = '\0';
    ecb.lpszMethod = request_.method.data();
    ecb.lpszQueryString = request_.query_string.data();
    ecb.lpszPathInfo = request_.path_info.data();
    ecb.lpszPathTranslated = request_.path_translated.data();
    const std::uint64_t length = request_.content_length.value_or(0xFFFFFFFFu);
    ecb.cbTotalBytes = static_cast<DWORD>(length > 0xFFFFFFFFu ? 0xFFFFFFFFu : length);
    ecb.cbAvailable = static_cast<DWORD>(request_.preloaded_body.size());
    ecb.lpbData = reinterpret_cast<LPBYTE>(request_.preloaded_body.data());
    ecb.lpszContentType = empty_;
    for (Header& h : request_.headers) {
        if (iequals(h.name, "Content-Type")) {
            ecb.lpszContentType = h.value.data();
            break;
        }
    }
    install_callbacks(ecb);
}

void Session::run(PFN_HTTPEXTENSIONPROC proc) {
    proc_.store(reinterpret_cast<std::uintptr_t>(proc), std::memory_order_relaxed);
    DWORD status = HSE_STATUS_ERROR;
    bool threw = false;
    try {
        if (proc) status = proc(&ecb);
    } catch (...) {
        record_finding("exception_escaped", "a C++ exception escaped HttpExtensionProc");
        status = HSE_STATUS_ERROR;
        threw = true;
    }
    if (status < HSE_STATUS_SUCCESS || status > HSE_STATUS_ERROR) status = HSE_STATUS_ERROR;
    {
        std::lock_guard lock(state_mutex_);
        proc_returned_ = true;
    }
    if (status != HSE_STATUS_PENDING) {
        if (claim()) {
            finalize(status);
            return;
        }
        if (!threw) record_finding("double_done", "HttpExtensionProc returned status " + std::to_string(status) +
                                          " after HSE_REQ_DONE_WITH_SESSION; the status is ignored");
    } else {
        flush_held();  // the request goes on without this call
    }
    maybe_report();
}

bool Session::claim() { return !claimed_.exchange(true, std::memory_order_acq_rel); }

bool Session::keep_conn_now() const {
    return keep_conn_.load(std::memory_order_relaxed) && !close_requested_.load(std::memory_order_relaxed) &&
           !abortive_.load(std::memory_order_relaxed);
}

void Session::finalize(DWORD hse_status) {
    ResponseWriter::Result result;
    {
        std::lock_guard lock(io_mutex_);
        result = writer_.finish(hse_status == HSE_STATUS_ERROR, ecb.dwHttpStatusCode, keep_conn_now());
        sync_hold_locked();
    }
    const bool abortive = abortive_.load();
    const bool keep_alive = result.keep_alive && !abortive;
    try {
        transport_->finish(keep_alive, abortive);
    } catch (...) {
        spdlog::error("Transport::finish threw; the connection state is unknown");
    }
    {
        std::lock_guard lock(state_mutex_);
        outcome_.status = result.status;
        outcome_.bytes_sent = result.bytes_sent;
        outcome_.keep_alive = keep_alive;
        outcome_.aborted = result.aborted || abortive;
        outcome_.hse_status = hse_status;
        outcome_.log_data.assign(ecb.lpszLogData, strnlen(ecb.lpszLogData, HSE_LOG_BUFFER_LEN));
        outcome_.log_parameters = std::move(log_parameters_);
    }
    ConnRegistry::instance().retire(conn_id_, context_.module, context_.load_generation, proc());
    {
        std::lock_guard lock(state_mutex_);
        finished_ = true;
    }
    maybe_report();
}

// on_complete waits for both the completion and the return of
// HttpExtensionProc: the host may unload the module once told, and it must
// not do so while the extension's code is still on a stack.
void Session::maybe_report() {
    {
        std::lock_guard lock(state_mutex_);
        if (!finished_ || !proc_returned_ || reported_) return;
        reported_ = true;
    }
    if (!context_.on_complete) return;
    try {
        context_.on_complete(outcome_);
    } catch (...) {
        spdlog::error("on_complete threw for module {}", context_.module);
    }
}

void Session::record_finding(std::string_view kind, std::string evidence) {
    Finding finding;
    finding.kind = kind;
    finding.module = context_.module;
    finding.load_generation = context_.load_generation;
    finding.evidence = std::move(evidence);
    if (!context_.findings) {
        spdlog::warn("ecb finding {} in {}: {}", finding.kind, finding.module, finding.evidence);
        return;
    }
    try {
        context_.findings(finding);
    } catch (...) {
        spdlog::error("the finding sink threw while reporting {}", finding.kind);
    }
}

BOOL Session::get_server_variable(LPSTR name, LPVOID buffer, LPDWORD size) {
    if (!size || !name) return fail(ERROR_INVALID_PARAMETER);
    VariableScratch scratch;
    const VariableLookup found = lookup_server_variable(name, request_, scratch);
    std::string_view value = found.value;
    switch (found.kind) {
        case VariableLookup::Kind::unknown: return fail(ERROR_INVALID_INDEX);
        case VariableLookup::Kind::no_data: return fail(ERROR_NO_DATA);
        case VariableLookup::Kind::all_http:
            std::call_once(all_http_once_, [this] { all_http_ = build_all_http(request_); });
            value = all_http_;
            break;
        case VariableLookup::Kind::value: break;
    }
    const DWORD needed = static_cast<DWORD>(value.size() + 1);
    if (!buffer || *size < needed) {
        *size = needed;
        return fail(ERROR_INSUFFICIENT_BUFFER);
    }
    if (!value.empty()) std::memcpy(buffer, value.data(), value.size());
    static_cast<char*>(buffer)[value.size()] = '\0';
    *size = needed;
    return TRUE;
}

}  // namespace isapi::ecb::detail
