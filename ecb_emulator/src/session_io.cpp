// Body bytes in both directions: WriteClient, ReadClient and their async forms.
#include "session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace isapi::ecb::detail {

namespace {
// What Windows reports when the client has gone away mid-request.
constexpr DWORD kErrorNetnameDeleted = 64;

DWORD error_for(ResponseWriter::Status status) {
    switch (status) {
        case ResponseWriter::Status::ok: return NO_ERROR;
        case ResponseWriter::Status::transport_failed: return kErrorNetnameDeleted;
        default: return ERROR_INVALID_PARAMETER;
    }
}
}  // namespace

void Session::sync_hold_locked() {
    if (writer_.holding() == holding_) return;
    holding_ = !holding_;
    if (holding_) FlushTimer::hold_started(hold_link_);
    else FlushTimer::hold_ended(hold_link_);
}

void Session::flush_held() {
    std::lock_guard lock(io_mutex_);
    if (!writer_.holding()) return;
    writer_.flush();
    sync_hold_locked();
}

void Session::hold_expired() {
    if (!post([self = shared_from_this()] { self->flush_held(); })) flush_held();
}

Session::~Session() {
    if (holding_) FlushTimer::hold_ended(hold_link_);
}

// Bytes written before any header still go out, as the body of a response
// with the ECB's dwHttpStatusCode; the extension is told about it through a
// finding, since IIS would have done the same thing silently.
bool Session::ensure_header_locked() {
    if (writer_.header_started()) return false;
    writer_.send_default_header(ecb.dwHttpStatusCode, keep_conn_now());
    return true;
}

DWORD Session::write_body(std::span<const std::string_view> body, bool final) {
    bool before_header = false;
    ResponseWriter::Status status;
    {
        std::lock_guard lock(io_mutex_);
        before_header = ensure_header_locked();
        status = writer_.write_body(body, final);
        sync_hold_locked();
    }
    if (before_header) {
        record_finding("body_before_header", "WriteClient sent body bytes before any response header; sent as status " +
                                                 std::to_string(ecb.dwHttpStatusCode));
    }
    return error_for(status);
}

BOOL Session::write_client(LPVOID buffer, LPDWORD bytes, DWORD flags) {
    if (!bytes || (!buffer && *bytes != 0)) return fail(ERROR_INVALID_PARAMETER);
    const char* data = static_cast<const char*>(buffer);
    if (flags & HSE_IO_ASYNC) return post_async_write(data, *bytes, flags);
    const std::string_view piece(data, *bytes);
    const DWORD error = write_body({&piece, 1}, false);
    if (flags & HSE_IO_DISCONNECT_AFTER_SEND) close_requested_ = true;
    if (error != NO_ERROR) {
        *bytes = 0;
        return fail(error);
    }
    return TRUE;
}

DWORD Session::read_body(char* buffer, DWORD size, DWORD& read) {
    read = 0;
    flush_held();  // the read may wait for the client, who may wait for the header
    std::lock_guard lock(read_mutex_);
    std::uint64_t wanted = size;
    if (request_.content_length) {
        // A known length ends the body exactly, whatever the transport holds.
        const std::uint64_t total = *request_.content_length;
        wanted = std::min<std::uint64_t>(wanted, total > body_received_ ? total - body_received_ : 0);
    }
    if (wanted == 0) return NO_ERROR;
    const auto got = transport_->receive({buffer, static_cast<std::size_t>(wanted)});
    if (!got) return kErrorNetnameDeleted;
    read = static_cast<DWORD>(*got);
    body_received_ += *got;
    return NO_ERROR;
}

BOOL Session::read_client(LPVOID buffer, LPDWORD size) {
    if (!size || (!buffer && *size != 0)) return fail(ERROR_INVALID_PARAMETER);
    DWORD read = 0;
    const DWORD error = read_body(static_cast<char*>(buffer), *size, read);
    *size = read;
    return error == NO_ERROR ? TRUE : fail(error);
}

bool Session::post(std::function<void()> task) {
    if (!context_.executor) return false;
    try {
        context_.executor(std::move(task));
        return true;
    } catch (...) {
        spdlog::error("the executor refused a task for module {}", context_.module);
        return false;
    }
}

void Session::registered_completion(PFN_HSE_IO_COMPLETION& fn, PVOID& context) {
    std::lock_guard lock(state_mutex_);
    fn = completion_;
    context = completion_context_;
}

// Runs on an executor thread. A completion that arrives after the request
// ended is dropped: calling into the extension then would be our own
// use-after-done.
void Session::invoke_completion(PFN_HSE_IO_COMPLETION fn, PVOID context, DWORD bytes, DWORD error) {
    if (!fn || closed()) return;
    try {
        fn(&ecb, context, bytes, error);
        flush_held();  // the request goes on without this call
    } catch (...) {
        record_finding("exception_escaped", "a C++ exception escaped an I/O completion routine");
        if (claim()) finalize(HSE_STATUS_ERROR);
    }
}

BOOL Session::post_async_write(const char* buffer, DWORD size, DWORD flags) {
    // The buffer stays the extension's until its completion runs (ISAPI's
    // rule for async I/O), so it is not copied.
    auto task = [self = shared_from_this(), buffer, size, flags] {
        if (self->closed()) return;
        const std::string_view piece(buffer, size);
        const DWORD error = self->write_body({&piece, 1}, false);
        if (flags & HSE_IO_DISCONNECT_AFTER_SEND) self->close_requested_ = true;
        PFN_HSE_IO_COMPLETION fn;
        PVOID context;
        self->registered_completion(fn, context);
        self->invoke_completion(fn, context, error == NO_ERROR ? size : 0, error);
    };
    return post(std::move(task)) ? TRUE : fail(ERROR_INVALID_PARAMETER);
}

BOOL Session::post_async_read(char* buffer, DWORD size) {
    auto task = [self = shared_from_this(), buffer, size] {
        if (self->closed()) return;
        DWORD read = 0;
        const DWORD error = self->read_body(buffer, size, read);
        PFN_HSE_IO_COMPLETION fn;
        PVOID context;
        self->registered_completion(fn, context);
        self->invoke_completion(fn, context, read, error);
    };
    return post(std::move(task)) ? TRUE : fail(ERROR_INVALID_PARAMETER);
}

}  // namespace isapi::ecb::detail
