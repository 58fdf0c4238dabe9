#pragma once
// One request's life inside the emulator: the ECB handed to the extension,
// the callbacks it makes, and the completion that ends it exactly once.
//
// Ownership: the registry holds a Session from dispatch until completion;
// dispatch holds it until HttpExtensionProc returns (so the ECB stays valid
// even after an early DONE_WITH_SESSION); every callback and every posted
// async task holds it while it runs.
//
// Locks: io_mutex_ serialises the response (headers, body, finish); read_mutex_
// serialises body reads; state_mutex_ guards the small bookkeeping.
// Transport::send runs under io_mutex_, since bytes must leave in order. No
// lock is held while extension code or a DispatchContext callback runs, and
// none is taken while another is held, so they cannot deadlock each other.
#include "flush_timer.hpp"
#include "response_writer.hpp"

#include <isapi/ecb/dispatch.hpp>
#include <isapi/platform/extension_file.hpp>

#include <httpext.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace isapi::ecb::detail {

// Body bytes for TRANSMIT_FILE and VECTOR_SEND: memory or a file range.
struct Segment {
    const char* data = nullptr;  // memory when non-null
    platform::ExtensionFile file = -1;  // a file range when data is null
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
    bool to_end = false;  // file: from offset to the end of the file
};

// A TRANSMIT_FILE or VECTOR_SEND request, copied so that an async one does
// not depend on the extension's descriptor struct staying alive.
struct SendPlan {
    bool send_headers = false;
    std::string status;
    std::string headers;
    std::vector<Segment> segments;
    bool final = false;
    bool disconnect = false;
};

class Session : public std::enable_shared_from_this<Session> {
public:
    // Takes the parts over: dispatch moves them in, so they are moved once, not twice.
    Session(Request&& request, std::shared_ptr<Transport>&& transport, DispatchContext&& context);
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Registers the ConnID and fills the ECB. Call once, before run().
    void start();
    // Calls proc inside the catch boundary and settles the request.
    void run(PFN_HTTPEXTENSIONPROC proc);

    // The ECB callbacks, once the ConnID has been found live.
    BOOL get_server_variable(LPSTR name, LPVOID buffer, LPDWORD size);
    BOOL write_client(LPVOID buffer, LPDWORD bytes, DWORD flags);
    BOOL read_client(LPVOID buffer, LPDWORD size);
    BOOL support_function(DWORD request, LPVOID buffer, LPDWORD size, LPDWORD data_type);

    // True once completion has begun: a callback now comes after done.
    bool closed() const { return claimed_.load(std::memory_order_acquire); }
    // The FlushTimer's call for bytes held since its last tick: they go out
    // now, on the executor (a send may wait for the client; the timer must
    // not).
    void hold_expired();
    ~Session();
    void record_finding(std::string_view kind, std::string evidence);
    HCONN conn_id() const { return conn_id_; }
    const std::string& module() const { return context_.module; }
    std::uint64_t load_generation() const { return context_.load_generation; }
    // Where the extension's code is: its HttpExtensionProc, once run() began.
    std::uintptr_t proc() const { return proc_.load(std::memory_order_relaxed); }

private:
    // Completion (session.cpp).
    bool claim();
    void finalize(DWORD hse_status);
    void maybe_report();
    bool keep_conn_now() const;

    // Held bytes (session_io.cpp): after each writer call, with io_mutex_
    // held, tells the FlushTimer whether bytes are held now; flush_held()
    // sends them now (the extension's call returned, or it is about to wait).
    void sync_hold_locked();
    void flush_held();

    // Body I/O (session_io.cpp).
    DWORD write_body(std::span<const std::string_view> body, bool final);
    bool ensure_header_locked();
    DWORD read_body(char* buffer, DWORD size, DWORD& read);
    BOOL post_async_write(const char* buffer, DWORD size, DWORD flags);
    BOOL post_async_read(char* buffer, DWORD size);
    bool post(std::function<void()> task);
    void registered_completion(PFN_HSE_IO_COMPLETION& fn, PVOID& context);
    void invoke_completion(PFN_HSE_IO_COMPLETION fn, PVOID context, DWORD bytes, DWORD error);

    // Support functions (support_functions.cpp, url_support.cpp, segment_send.cpp).
    BOOL send_response_header(const char* status, const char* headers);
    BOOL send_response_header_ex(const HSE_SEND_HEADER_EX_INFO* info);
    BOOL done_with_session(const DWORD* status);
    BOOL redirect(const char* url);
    BOOL get_cert_info(CERT_CONTEXT_EX* info);
    BOOL send_url(const char* url);
    BOOL map_url_to_path(LPVOID buffer, LPDWORD size);
    BOOL map_url_to_path_ex(const char* url, LPDWORD size, HSE_URL_MAPEX_INFO* info);
    BOOL transmit_file(const HSE_TF_INFO* info);
    BOOL vector_send(const HSE_RESPONSE_VECTOR* vector);
    BOOL run_plan(SendPlan plan, bool async, PFN_HSE_IO_COMPLETION fn, PVOID context);
    DWORD execute_plan(const SendPlan& plan, DWORD& sent);
    DWORD send_segments_locked(std::span<const Segment> segments, bool final, DWORD& sent);

    Request request_;
    std::shared_ptr<Transport> transport_;
    DispatchContext context_;
    HCONN conn_id_ = nullptr;
    std::atomic<std::uintptr_t> proc_{0};
    char empty_[1] = {0};

public:
    EXTENSION_CONTROL_BLOCK ecb{};

private:
    std::mutex io_mutex_;
    ResponseWriter writer_;
    bool holding_ = false;  // the writer holds bytes, as the FlushTimer knows (io_mutex_)
    HoldLink hold_link_{*this};

    std::mutex read_mutex_;
    std::uint64_t body_received_ = 0;  // preloaded bytes included

    mutable std::mutex state_mutex_;
    PFN_HSE_IO_COMPLETION completion_ = nullptr;
    PVOID completion_context_ = nullptr;
    std::string log_parameters_;
    std::once_flag all_http_once_;
    std::string all_http_;
    bool proc_returned_ = false;
    bool finished_ = false;
    bool reported_ = false;
    Outcome outcome_;

    std::atomic<bool> keep_conn_{true};  // fKeepConn of SEND_RESPONSE_HEADER_EX
    std::atomic<bool> close_requested_{false};
    std::atomic<bool> abortive_{false};
    std::atomic<bool> claimed_{false};
};

BOOL fail(DWORD error);

}  // namespace isapi::ecb::detail
