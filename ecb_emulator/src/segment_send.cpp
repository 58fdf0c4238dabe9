// HSE_REQ_TRANSMIT_FILE and HSE_REQ_VECTOR_SEND: header, memory and file
// ranges, sync or async, in as few transport sends as the buffers allow.
#include <isapi/platform/extension_file.hpp>
#include "session.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

namespace isapi::ecb::detail {

namespace {

constexpr std::size_t kFileChunk = 64 * 1024;
constexpr DWORD kErrorHandleEof = 38;
constexpr std::uint64_t kToEndOfFile = ~std::uint64_t{0};  // HTTP_BYTE_RANGE_TO_EOF

}  // namespace

BOOL Session::transmit_file(const HSE_TF_INFO* info) {
    if (!info) return fail(ERROR_INVALID_PARAMETER);
    SendPlan plan;
    plan.send_headers = (info->dwFlags & HSE_IO_SEND_HEADERS) != 0;
    const char* head = static_cast<const char*>(info->pHead);
    if (plan.send_headers) {
        plan.status = info->pszStatusCode ? info->pszStatusCode : "200 OK";
        if (head) plan.headers.assign(head, info->HeadLength ? info->HeadLength : std::strlen(head));
    } else if (head && info->HeadLength) {
        plan.segments.push_back({.data = head, .size = info->HeadLength});
    }
    if (info->hFile != INVALID_HANDLE_VALUE) {
        plan.segments.push_back({.file = platform::extension_file(info->hFile),
                                 .offset = info->Offset,
                                 .size = info->BytesToWrite,
                                 .to_end = info->BytesToWrite == 0});
    }
    if (info->pTail && info->TailLength) {
        plan.segments.push_back({.data = static_cast<const char*>(info->pTail), .size = info->TailLength});
    }
    plan.disconnect = (info->dwFlags & HSE_IO_DISCONNECT_AFTER_SEND) != 0;
    PFN_HSE_IO_COMPLETION fn = info->pfnHseIO;
    PVOID context = info->pContext;
    if (!fn) registered_completion(fn, context);
    return run_plan(std::move(plan), (info->dwFlags & HSE_IO_ASYNC) != 0, fn, context);
}

BOOL Session::vector_send(const HSE_RESPONSE_VECTOR* vector) {
    if (!vector || (vector->nElementCount && !vector->lpElementArray)) return fail(ERROR_INVALID_PARAMETER);
    SendPlan plan;
    plan.send_headers = (vector->dwFlags & HSE_IO_SEND_HEADERS) != 0;
    if (plan.send_headers) {
        plan.status = vector->pszStatus ? vector->pszStatus : "200 OK";
        plan.headers = vector->pszHeaders ? vector->pszHeaders : "";
    }
    plan.segments.reserve(vector->nElementCount);
    for (DWORD i = 0; i < vector->nElementCount; ++i) {
        const HSE_VECTOR_ELEMENT& e = vector->lpElementArray[i];
        if (e.ElementType == HSE_VECTOR_ELEMENT_TYPE_MEMORY_BUFFER) {
            if (!e.pvContext && e.cbSize) return fail(ERROR_INVALID_PARAMETER);
            plan.segments.push_back({.data = static_cast<const char*>(e.pvContext) + e.cbOffset, .size = e.cbSize});
        } else if (e.ElementType == HSE_VECTOR_ELEMENT_TYPE_FILE_HANDLE) {
            plan.segments.push_back({.file = platform::extension_file(e.pvContext),
                                     .offset = e.cbOffset,
                                     .size = e.cbSize,
                                     .to_end = e.cbSize == kToEndOfFile});
        } else {
            return fail(ERROR_INVALID_PARAMETER);
        }
    }
    plan.final = (vector->dwFlags & HSE_IO_FINAL_SEND) != 0;
    plan.disconnect = (vector->dwFlags & HSE_IO_DISCONNECT_AFTER_SEND) != 0;
    PFN_HSE_IO_COMPLETION fn;
    PVOID context;
    registered_completion(fn, context);
    return run_plan(std::move(plan), (vector->dwFlags & HSE_IO_ASYNC) != 0, fn, context);
}

BOOL Session::run_plan(SendPlan plan, bool async, PFN_HSE_IO_COMPLETION fn, PVOID context) {
    if (!async) {
        DWORD sent = 0;
        const DWORD error = execute_plan(plan, sent);
        return error == NO_ERROR ? TRUE : fail(error);
    }
    auto task = [self = shared_from_this(), plan = std::move(plan), fn, context] {
        if (self->closed()) return;
        DWORD sent = 0;
        const DWORD error = self->execute_plan(plan, sent);
        self->invoke_completion(fn, context, sent, error);
    };
    return post(std::move(task)) ? TRUE : fail(ERROR_INVALID_PARAMETER);
}

DWORD Session::execute_plan(const SendPlan& plan, DWORD& sent) {
    bool before_header = false;
    DWORD error = NO_ERROR;
    {
        std::lock_guard lock(io_mutex_);
        if (plan.send_headers) {
            if (writer_.send_header(plan.status, plan.headers, keep_conn_now()) != ResponseWriter::Status::ok) {
                return ERROR_INVALID_PARAMETER;
            }
        } else {
            before_header = ensure_header_locked();
        }
        error = send_segments_locked(plan.segments, plan.final, sent);
        sync_hold_locked();
    }
    if (plan.disconnect) close_requested_ = true;
    if (before_header) record_finding("body_before_header", "TRANSMIT_FILE or VECTOR_SEND sent body bytes before any header");
    return error;
}

// Memory pieces are gathered and file bytes read into one buffer, which is
// flushed only when it must be reused: a small file with a head and a tail
// leaves in a single send.
DWORD Session::send_segments_locked(std::span<const Segment> segments, bool final, DWORD& sent) {
    PieceList pieces;
    std::unique_ptr<char[]> buffer;
    bool buffer_in_use = false;
    DWORD error = NO_ERROR;
    auto flush = [&](bool last) {
        const auto status = writer_.write_body(pieces.view(), last);
        pieces.clear();
        buffer_in_use = false;
        if (status == ResponseWriter::Status::transport_failed) return DWORD{64};
        return status == ResponseWriter::Status::ok ? DWORD{NO_ERROR} : DWORD{ERROR_INVALID_PARAMETER};
    };
    for (const Segment& segment : segments) {
        if (error != NO_ERROR) break;
        if (segment.data) {
            pieces.push({segment.data, static_cast<std::size_t>(segment.size)});
            sent += static_cast<DWORD>(segment.size);
            continue;
        }
        std::uint64_t remaining = segment.size;
        if (segment.to_end) {
            std::uint64_t file_size = 0;
            if ((error = platform::extension_file_size(segment.file, file_size)) != NO_ERROR) break;
            remaining = file_size > segment.offset ? file_size - segment.offset : 0;
        }
        std::uint64_t offset = segment.offset;
        while (remaining > 0 && error == NO_ERROR) {
            if (buffer_in_use && (error = flush(false)) != NO_ERROR) break;
            if (!buffer) buffer = std::make_unique<char[]>(kFileChunk);
            const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, kFileChunk));
            std::size_t got = 0;
            if ((error = platform::extension_file_read(segment.file, buffer.get(), want, offset, got)) != NO_ERROR) break;
            if (got == 0) {
                error = kErrorHandleEof;  // the file is shorter than the range asked for
                break;
            }
            pieces.push({buffer.get(), got});
            buffer_in_use = true;
            remaining -= static_cast<std::uint64_t>(got);
            offset += static_cast<std::uint64_t>(got);
            sent += static_cast<DWORD>(got);
        }
    }
    if (error != NO_ERROR) {
        // Part of the body may be out already; the response cannot be trusted
        // to be complete, so the connection will not be reused.
        close_requested_ = true;
        flush(false);
        return error;
    }
    return flush(final);
}

}  // namespace isapi::ecb::detail
