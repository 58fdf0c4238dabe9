// ServerSupportFunction: the request codes docs/extensions.md lists. Every other code
// fails with ERROR_INVALID_PARAMETER and is logged once per process.
#include "diagnostics.hpp"
#include "session.hpp"

#include <spdlog/spdlog.h>

#include <cstring>

namespace isapi::ecb::detail {

namespace {

// A counted string that may also carry its NUL inside the count.
std::string_view counted(const char* text, DWORD count, std::string_view fallback) {
    if (!text) return fallback;
    if (count == 0) return text;
    const std::string_view view(text, count);
    return view.substr(0, view.find('\0'));
}

BOOL header_result(ResponseWriter::Status status) {
    return status == ResponseWriter::Status::ok ? TRUE : fail(ERROR_INVALID_PARAMETER);
}

}  // namespace

BOOL Session::support_function(DWORD request, LPVOID buffer, LPDWORD size, LPDWORD data_type) {
    switch (request) {
        case HSE_REQ_SEND_RESPONSE_HEADER:
            return send_response_header(static_cast<const char*>(buffer), reinterpret_cast<const char*>(data_type));
        case HSE_REQ_SEND_RESPONSE_HEADER_EX:
            return send_response_header_ex(static_cast<const HSE_SEND_HEADER_EX_INFO*>(buffer));
        case HSE_REQ_DONE_WITH_SESSION: return done_with_session(static_cast<const DWORD*>(buffer));
        case HSE_REQ_SEND_URL_REDIRECT_RESP: return redirect(static_cast<const char*>(buffer));
        case HSE_REQ_SEND_URL: return send_url(static_cast<const char*>(buffer));
        case HSE_REQ_IO_COMPLETION: {
            // Only the last registration counts; NULL turns completions off.
            std::lock_guard lock(state_mutex_);
            completion_ = reinterpret_cast<PFN_HSE_IO_COMPLETION>(buffer);
            completion_context_ = data_type;
            return TRUE;
        }
        case HSE_REQ_ASYNC_READ_CLIENT:
            if (!size || (!buffer && *size != 0)) return fail(ERROR_INVALID_PARAMETER);
            return post_async_read(static_cast<char*>(buffer), *size);
        case HSE_REQ_TRANSMIT_FILE: return transmit_file(static_cast<const HSE_TF_INFO*>(buffer));
        case HSE_REQ_VECTOR_SEND: return vector_send(static_cast<const HSE_RESPONSE_VECTOR*>(buffer));
        case HSE_REQ_MAP_URL_TO_PATH: return map_url_to_path(buffer, size);
        case HSE_REQ_MAP_URL_TO_PATH_EX:
            return map_url_to_path_ex(static_cast<const char*>(buffer), size,
                                      reinterpret_cast<HSE_URL_MAPEX_INFO*>(data_type));
        case HSE_REQ_IS_KEEP_CONN: {
            if (!buffer) return fail(ERROR_INVALID_PARAMETER);
            std::lock_guard lock(io_mutex_);
            *static_cast<BOOL*>(buffer) = writer_.keep_alive_intended(keep_conn_now()) ? TRUE : FALSE;
            return TRUE;
        }
        case HSE_REQ_IS_CONNECTED:
            if (!buffer) return fail(ERROR_INVALID_PARAMETER);
            *static_cast<BOOL*>(buffer) = transport_->connected() ? TRUE : FALSE;
            return TRUE;
        case HSE_APPEND_LOG_PARAMETER: {
            if (!buffer) return fail(ERROR_INVALID_PARAMETER);
            std::lock_guard lock(state_mutex_);
            log_parameters_.append(static_cast<const char*>(buffer));
            return TRUE;
        }
        case HSE_REQ_REPORT_UNHEALTHY:
            if (context_.report_unhealthy) {
                try {
                    context_.report_unhealthy(buffer ? static_cast<const char*>(buffer) : "");
                } catch (...) {
                    spdlog::error("report_unhealthy threw for module {}", context_.module);
                }
            }
            return TRUE;
        case HSE_REQ_CLOSE_CONNECTION: close_requested_ = true; return TRUE;
        case HSE_REQ_ABORTIVE_CLOSE: abortive_ = true; return TRUE;
        case HSE_REQ_GET_CERT_INFO_EX: return get_cert_info(static_cast<CERT_CONTEXT_EX*>(buffer));
        case HSE_REQ_IS_IN_PROCESS:
            if (!buffer) return fail(ERROR_INVALID_PARAMETER);
            *static_cast<DWORD*>(buffer) = context_.in_process ? HSE_APP_FLAG_IN_PROCESS : HSE_APP_FLAG_ISOLATED_OOP;
            return TRUE;
        default:
            warn_unsupported_once(request);
            return fail(ERROR_INVALID_PARAMETER);
    }
}

BOOL Session::send_response_header(const char* status, const char* headers) {
    std::lock_guard lock(io_mutex_);
    const auto result = writer_.send_header(status ? status : "200 OK", headers ? headers : "", keep_conn_now());
    sync_hold_locked();
    return header_result(result);
}

BOOL Session::send_response_header_ex(const HSE_SEND_HEADER_EX_INFO* info) {
    if (!info) return fail(ERROR_INVALID_PARAMETER);
    const std::string_view status = counted(info->pszStatus, info->cchStatus, "200 OK");
    const std::string_view headers = counted(info->pszHeader, info->cchHeader, "");
    std::lock_guard lock(io_mutex_);
    const auto result = writer_.send_header(status, headers, info->fKeepConn != FALSE && keep_conn_now());
    sync_hold_locked();
    // fKeepConn counts only when its header was taken.
    if (result == ResponseWriter::Status::ok && !info->fKeepConn) keep_conn_ = false;
    return header_result(result);
}

BOOL Session::done_with_session(const DWORD* status) {
    if (!claim()) {
        record_finding("double_done", "HSE_REQ_DONE_WITH_SESSION on a request that was already done");
        return fail(ERROR_INVALID_PARAMETER);
    }
    // The optional status decides between a normal end and an error end.
    const DWORD hse_status = status ? *status : HSE_STATUS_SUCCESS;
    finalize(hse_status);
    // The extension may go on working in this call: nothing it ended may
    // wait for the call to return.
    transport_->flush();
    return TRUE;
}

// The client's certificate, DER-encoded, into the extension's buffer. No
// certificate (plain HTTP, or none sent) is a success with no bytes; a
// buffer too small fails with ERROR_INSUFFICIENT_BUFFER and says how much
// it needs in cbCertEncoded.
BOOL Session::get_cert_info(CERT_CONTEXT_EX* info) {
    if (!info) return fail(ERROR_INVALID_PARAMETER);
    const TlsInfo* tls = request_.tls ? &*request_.tls : nullptr;
    const std::string empty;
    const std::string& der = tls && tls->client_cert_present ? tls->client_cert_der : empty;
    info->dwCertificateFlags = tls ? (tls->client_cert_present ? 1u : 0u) | (tls->client_cert_untrusted ? 2u : 0u) : 0u;
    info->CertContext.dwCertEncodingType = X509_ASN_ENCODING | PKCS_7_ASN_ENCODING;
    info->CertContext.pCertInfo = nullptr;
    info->CertContext.hCertStore = nullptr;
    info->CertContext.cbCertEncoded = static_cast<DWORD>(der.size());
    if (der.empty()) return TRUE;
    if (!info->CertContext.pbCertEncoded || info->cbAllocated < der.size()) return fail(ERROR_INSUFFICIENT_BUFFER);
    std::memcpy(info->CertContext.pbCertEncoded, der.data(), der.size());
    return TRUE;
}

BOOL Session::redirect(const char* url) {
    if (!url || std::strpbrk(url, "\r\n")) return fail(ERROR_INVALID_PARAMETER);
    static constexpr std::string_view kBody = "<html><body><h1>Object Moved</h1></body></html>";
    std::string headers;
    headers.reserve(96 + std::strlen(url) + kBody.size());
    headers.append("Location: ").append(url).append("\r\nContent-Type: text/html\r\nContent-Length: ");
    headers.append(std::to_string(kBody.size())).append("\r\n\r\n").append(kBody);
    std::lock_guard lock(io_mutex_);
    const auto result = writer_.send_header("302 Found", headers, keep_conn_now());
    sync_hold_locked();
    return header_result(result);
}

BOOL Session::send_url(const char* url) {
    if (!url || !context_.send_url) return fail(ERROR_INVALID_PARAMETER);
    flush_held();  // the internal request may take long
    std::optional<InternalResponse> response;
    try {
        response = context_.send_url(url, request_);  // host code; no lock held
    } catch (...) {
        spdlog::error("send_url threw for {}", url);
    }
    if (!response) return fail(ERROR_INVALID_PARAMETER);
    std::lock_guard lock(io_mutex_);
    const auto status = writer_.write_raw(response->bytes, response->status, response->keep_alive);
    if (status == ResponseWriter::Status::transport_failed) return fail(64);
    return header_result(status);
}

}  // namespace isapi::ecb::detail
