#pragma once
// Runs one HttpExtensionProc call for one request: builds the ECB, serves the
// extension's callbacks, frames the response, and reports completion.
#include <isapi/ecb/finding.hpp>
#include <isapi/ecb/request.hpp>
#include <isapi/ecb/transport.hpp>

#include <httpext.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace isapi::ecb {

// Runs a task on a host thread (never on the extension's calling stack).
// Async WriteClient, ASYNC_READ_CLIENT, TRANSMIT_FILE and VECTOR_SEND run here
// and then call the extension's completion routine.
using Executor = std::function<void(std::function<void()>)>;

// What the host learns once a request is completely done.
struct Outcome {
    unsigned status = 0;           // HTTP status sent (0 if nothing was sent)
    std::uint64_t bytes_sent = 0;  // response bytes, headers included
    bool keep_alive = false;       // connection was kept open
    bool aborted = false;          // connection closed before a complete response
    DWORD hse_status = 0;          // HSE_STATUS_* the request ended with
    std::string log_data;          // lpszLogData
    std::string log_parameters;    // APPEND_LOG_PARAMETER text
};

struct InternalResponse {
    std::string bytes;  // a complete HTTP/1.1 response
    unsigned status = 0;
    bool keep_alive = false;
};

struct DispatchContext {
    Executor executor;                     // required
    FindingSink findings;                  // may be empty
    std::string module;                    // module file name, for findings and logs
    std::uint64_t load_generation = 0;
    bool in_process = true;                // HSE_REQ_IS_IN_PROCESS answer
    // Appended to every response (the identity header); not copied, so it
    // must outlive the request (the host's module lease holds it).
    const std::vector<Header>* extra_response_headers = nullptr;
    // HSE_REQ_SEND_URL: the host serves `url` internally and returns the
    // complete response bytes, which become this request's response.
    // Empty function, or nullopt: the call fails with ERROR_INVALID_PARAMETER.
    // `from` is the request that asks (its client address, host name...).
    std::function<std::optional<InternalResponse>(const std::string& url, const Request& from)> send_url;
    // HSE_REQ_REPORT_UNHEALTHY with the extension's reason.
    std::function<void(const std::string& reason)> report_unhealthy;
    // Called exactly once, on any thread, after Transport::finish.
    std::function<void(const Outcome&)> on_complete;
};

// Calls proc on the current thread with a fresh ECB whose ConnID is registered
// until the request completes. Completion is: a final HSE_STATUS_* returned by
// proc, or HSE_REQ_DONE_WITH_SESSION (from any thread, even before proc
// returns PENDING). Never throws; a C++ exception escaping proc is a finding
// and the request ends as HSE_STATUS_ERROR.
void dispatch(Request request, PFN_HTTPEXTENSIONPROC proc, std::shared_ptr<Transport> transport,
              DispatchContext context);

// Findings about ConnIDs that belong to no live request (stale or never issued)
// go here, since no request context is at hand. Thread-safe.
void set_orphan_finding_sink(FindingSink sink);

}  // namespace isapi::ecb
