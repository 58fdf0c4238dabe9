#include "ecb_test_support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>

using namespace ecb_test;

namespace {

std::string make_body(std::size_t size) {
    std::string body(size, '\0');
    for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<char>('a' + (i * 7) % 26);
    return body;
}

std::string g_read;
int g_reads = 0;
BOOL g_read_ok = TRUE;
DWORD g_read_error = 0;

// Reads the whole body the way ISAPI code does: lpbData first, then
// ReadClient until it returns 0 bytes.
DWORD WINAPI read_all_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    g_read.assign(reinterpret_cast<const char*>(ecb->lpbData), ecb->cbAvailable);
    g_reads = 0;
    char buffer[16 * 1024];
    for (;;) {
        DWORD size = sizeof buffer;
        SetLastError(0);
        g_read_ok = ecb->ReadClient(ecb->ConnID, buffer, &size);
        g_read_error = GetLastError();
        if (!g_read_ok || size == 0) break;
        ++g_reads;
        g_read.append(buffer, size);
    }
    return HSE_STATUS_SUCCESS;
}

isapi::ecb::Request upload(const std::string& body, std::optional<std::uint64_t> length) {
    auto r = Harness::default_request();
    r.method = "POST";
    r.content_length = length;
    r.preloaded_body = body.substr(0, isapi::ecb::kReadAhead);
    return r;
}

}  // namespace

TEST_CASE("ReadClient streams the body beyond the 48 KiB read-ahead", "[ecb][read]") {
    const std::string body = make_body(100 * 1024);
    Harness h;
    // The transport holds more than the body; Content-Length must end the read.
    h.transport = std::make_shared<FakeTransport>(body.substr(isapi::ecb::kReadAhead) + "NEXT REQUEST");
    h.run(read_all_ext, upload(body, body.size()));
    REQUIRE(h.wait_complete());
    CHECK(g_read_ok == TRUE);
    CHECK(g_read.size() == body.size());
    CHECK(g_read == body);
    CHECK(g_reads > 1);
}

TEST_CASE("the ECB carries the body sizes and the request fields", "[ecb][read]") {
    static DWORD total, available;
    static std::string method, query, content_type;
    const std::string body = make_body(60000);
    auto request = upload(body, body.size());
    request.headers.push_back({"Content-Type", "application/octet-stream"});
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        total = ecb->cbTotalBytes;
        available = ecb->cbAvailable;
        method = ecb->lpszMethod;
        query = ecb->lpszQueryString;
        content_type = ecb->lpszContentType;
        return ecb->cbSize == sizeof(EXTENSION_CONTROL_BLOCK) && ecb->dwVersion == HSE_VERSION &&
                       ecb->dwHttpStatusCode == 200
                   ? HSE_STATUS_SUCCESS
                   : HSE_STATUS_ERROR;
    },
          request);
    REQUIRE(h.wait_complete());
    CHECK(h.outcome().hse_status == HSE_STATUS_SUCCESS);
    CHECK(total == 60000);
    CHECK(available == isapi::ecb::kReadAhead);
    CHECK(method == "POST");
    CHECK(query == "a=1&b=two");
    CHECK(content_type == "application/octet-stream");
}

TEST_CASE("ReadClient of a body of unknown length ends when the transport does", "[ecb][read]") {
    const std::string body = make_body(70000);
    Harness h;
    h.transport = std::make_shared<FakeTransport>(body.substr(isapi::ecb::kReadAhead));
    static DWORD total;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        total = ecb->cbTotalBytes;
        return read_all_ext(ecb);
    },
          upload(body, std::nullopt));
    REQUIRE(h.wait_complete());
    CHECK(total == 0xFFFFFFFFu);
    CHECK(g_read == body);
}

TEST_CASE("ReadClient fails when the client is gone", "[ecb][read]") {
    const std::string body = make_body(50000);
    Harness h;
    h.transport = std::make_shared<FakeTransport>(body.substr(isapi::ecb::kReadAhead));
    h.transport->fail_receive();
    h.run(read_all_ext, upload(body, body.size()));
    REQUIRE(h.wait_complete());
    CHECK(g_read_ok == FALSE);
    CHECK(g_read_error != 0);
}

namespace {

// Per thread: set only while WriteClient is on this thread's stack, so a
// completion that sees it set was called from inside WriteClient.
thread_local bool g_in_write = false;
std::atomic<bool> g_completion_nested{false};
std::thread::id g_completion_thread;
DWORD g_cb_io = 0, g_cb_error = 99;
void* g_cb_context = nullptr;
int g_completion_calls = 0;

VOID WINAPI write_done(EXTENSION_CONTROL_BLOCK* ecb, PVOID context, DWORD cb, DWORD error) {
    g_completion_nested = g_in_write;
    g_completion_thread = std::this_thread::get_id();
    g_cb_io = cb;
    g_cb_error = error;
    g_cb_context = context;
    ++g_completion_calls;
    DWORD status = HSE_STATUS_SUCCESS;
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_DONE_WITH_SESSION, &status, nullptr, nullptr);
}

VOID WINAPI never_called(EXTENSION_CONTROL_BLOCK*, PVOID, DWORD, DWORD) { ++g_completion_calls; }

char g_async_text[] = "async body";
int g_context_tag = 0;

DWORD WINAPI async_write_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    // Only the last registration counts.
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IO_COMPLETION, reinterpret_cast<LPVOID>(never_called), nullptr,
                               nullptr);
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IO_COMPLETION, reinterpret_cast<LPVOID>(write_done), nullptr,
                               reinterpret_cast<LPDWORD>(&g_context_tag));
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_RESPONSE_HEADER, nullptr, nullptr,
                               reinterpret_cast<LPDWORD>(const_cast<char*>("Content-Type: text/plain\r\n\r\n")));
    DWORD n = static_cast<DWORD>(std::strlen(g_async_text));
    g_in_write = true;
    const BOOL ok = ecb->WriteClient(ecb->ConnID, g_async_text, &n, HSE_IO_ASYNC);
    g_in_write = false;
    return ok ? HSE_STATUS_PENDING : HSE_STATUS_ERROR;
}

}  // namespace

TEST_CASE("async WriteClient completes on a host thread through the registered routine", "[ecb][write][async]") {
    g_completion_calls = 0;
    Harness h;
    h.run(async_write_ext);
    REQUIRE(h.wait_complete());
    CHECK(g_completion_calls == 1);
    CHECK_FALSE(g_completion_nested.load());
    CHECK(g_completion_thread == h.executor->id());
    CHECK(g_completion_thread != std::this_thread::get_id());
    CHECK(g_cb_io == std::strlen(g_async_text));
    CHECK(g_cb_error == 0);
    CHECK(g_cb_context == &g_context_tag);
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.body == "async body");
    CHECK(h.completions() == 1);
    CHECK(h.transport->finish_calls() == 1);
}

TEST_CASE("registering a NULL completion turns completions off", "[ecb][write][async]") {
    g_completion_calls = 0;
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IO_COMPLETION, reinterpret_cast<LPVOID>(never_called),
                                   nullptr, nullptr);
        ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IO_COMPLETION, nullptr, nullptr, nullptr);
        DWORD n = 5;
        ecb->WriteClient(ecb->ConnID, const_cast<char*>("abcde"), &n, HSE_IO_ASYNC);
        return HSE_STATUS_PENDING;
    });
    // Nothing will call DONE; drain the executor and check nobody was called.
    h.executor.reset();
    CHECK(g_completion_calls == 0);
    CHECK(h.completions() == 0);
    CHECK(h.transport->sent().find("abcde") != std::string::npos);
}

TEST_CASE("sync WriteClient fails with an error once the client is gone", "[ecb][write]") {
    static BOOL ok;
    static DWORD error, written;
    Harness h;
    h.transport->fail_sends();
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_RESPONSE_HEADER, nullptr, nullptr, nullptr);
        written = 4;
        SetLastError(0);
        ok = ecb->WriteClient(ecb->ConnID, const_cast<char*>("data"), &written, HSE_IO_SYNC);
        error = GetLastError();
        return HSE_STATUS_SUCCESS;
    });
    REQUIRE(h.wait_complete());
    CHECK(ok == FALSE);
    CHECK(error != 0);
    CHECK(written == 0);
    CHECK(h.outcome().aborted);
    CHECK_FALSE(h.transport->kept_alive());
}

namespace {
char g_async_buffer[100];
DWORD g_async_size = sizeof g_async_buffer;

VOID WINAPI read_done(EXTENSION_CONTROL_BLOCK* ecb, PVOID, DWORD cb, DWORD error) {
    g_completion_thread = std::this_thread::get_id();
    g_cb_io = cb;
    g_cb_error = error;
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_DONE_WITH_SESSION, nullptr, nullptr, nullptr);
}
}  // namespace

TEST_CASE("ASYNC_READ_CLIENT reads on a host thread and reports the count", "[ecb][read][async]") {
    Harness h;
    h.transport = std::make_shared<FakeTransport>("0123456789");
    auto request = Harness::default_request();
    request.method = "POST";
    request.content_length = 10;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IO_COMPLETION, reinterpret_cast<LPVOID>(read_done), nullptr,
                                   nullptr);
        DWORD flags = HSE_IO_ASYNC;
        g_async_size = sizeof g_async_buffer;
        return ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_ASYNC_READ_CLIENT, g_async_buffer, &g_async_size,
                                          &flags)
                   ? HSE_STATUS_PENDING
                   : HSE_STATUS_ERROR;
    },
          request);
    REQUIRE(h.wait_complete());
    CHECK(g_completion_thread == h.executor->id());
    CHECK(g_cb_io == 10);
    CHECK(g_cb_error == 0);
    CHECK(std::string(g_async_buffer, 10) == "0123456789");
    CHECK(h.response().status == 200);
}
