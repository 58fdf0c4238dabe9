#include "ecb_test_support.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

using namespace ecb_test;

namespace {

// A file with known content, removed at the end of the test.
class TempFile {
public:
    explicit TempFile(const std::string& content) {
        char path[] = "/tmp/ecb_test_XXXXXX";
        fd_ = ::mkstemp(path);
        REQUIRE(fd_ >= 0);
        path_ = path;
        REQUIRE(::write(fd_, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    }
    ~TempFile() {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    int fd() const { return fd_; }

private:
    int fd_ = -1;
    std::string path_;
};

std::string file_content() {
    std::string s;
    for (int i = 0; s.size() < 200000; ++i) s += "line " + std::to_string(i) + "\n";
    return s;
}

HSE_TF_INFO g_tf;
BOOL g_ok;
DWORD g_error;
DWORD g_cb_io;
int g_calls;
void* g_cb_context;

VOID WINAPI tf_done(EXTENSION_CONTROL_BLOCK* ecb, PVOID context, DWORD cb, DWORD error) {
    g_cb_io = cb;
    g_error = error;
    g_cb_context = context;
    ++g_calls;
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_DONE_WITH_SESSION, nullptr, nullptr, nullptr);
}

DWORD WINAPI transmit_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    SetLastError(0);
    g_ok = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_TRANSMIT_FILE, &g_tf, nullptr, nullptr);
    if (!g_ok) g_error = GetLastError();
    return (g_tf.dwFlags & HSE_IO_ASYNC) && g_ok ? HSE_STATUS_PENDING : HSE_STATUS_SUCCESS;
}

}  // namespace

TEST_CASE("TRANSMIT_FILE sends headers, a file range and a tail synchronously", "[ecb][transmit]") {
    const std::string content = file_content();
    TempFile file(content);
    g_tf = {};
    g_tf.hFile = HSE_FD_TO_HANDLE(file.fd());
    g_tf.pszStatusCode = "200 OK";
    g_tf.pHead = const_cast<char*>("Content-Type: text/plain\r\n\r\n");
    g_tf.Offset = 1000;
    g_tf.BytesToWrite = 100000;
    g_tf.pTail = const_cast<char*>("<tail>");
    g_tf.TailLength = 6;
    g_tf.dwFlags = HSE_IO_SEND_HEADERS;
    Harness h;
    h.run(transmit_ext);
    REQUIRE(h.wait_complete());
    CHECK(g_ok == TRUE);
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.header("content-type") == "text/plain");
    CHECK(r.body == content.substr(1000, 100000) + "<tail>");
    CHECK(h.transport->kept_alive());
}

TEST_CASE("TRANSMIT_FILE asynchronously sends a head as body and the file to its end", "[ecb][transmit][async]") {
    const std::string content = file_content();
    TempFile file(content);
    static int tag;
    g_tf = {};
    g_tf.hFile = HSE_FD_TO_HANDLE(file.fd());
    g_tf.pHead = const_cast<char*>("<head>");
    g_tf.HeadLength = 6;
    g_tf.Offset = 5;
    g_tf.BytesToWrite = 0;  // to the end
    g_tf.pfnHseIO = tf_done;
    g_tf.pContext = &tag;
    g_tf.dwFlags = HSE_IO_ASYNC | HSE_IO_DISCONNECT_AFTER_SEND;
    g_calls = 0;
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_RESPONSE_HEADER, const_cast<char*>("200 OK"), nullptr,
                                   reinterpret_cast<LPDWORD>(const_cast<char*>("X-Kind: file\r\n\r\n")));
        return transmit_ext(ecb);
    });
    REQUIRE(h.wait_complete());
    CHECK(g_calls == 1);
    CHECK(g_error == 0);
    CHECK(g_cb_context == &tag);
    CHECK(g_cb_io == 6 + content.size() - 5);
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.header("x-kind") == "file");
    CHECK(r.body == "<head>" + content.substr(5));
    CHECK_FALSE(h.transport->kept_alive());  // HSE_IO_DISCONNECT_AFTER_SEND
}

TEST_CASE("TRANSMIT_FILE with a bad file handle fails with an error", "[ecb][transmit]") {
    g_tf = {};
    g_tf.hFile = HSE_FD_TO_HANDLE(987654);
    g_tf.pszStatusCode = "200 OK";
    g_tf.dwFlags = HSE_IO_SEND_HEADERS;
    Harness h;
    h.run(transmit_ext);
    REQUIRE(h.wait_complete());
    CHECK(g_ok == FALSE);
    CHECK(g_error == ERROR_INVALID_HANDLE);
    CHECK_FALSE(h.transport->kept_alive());
}

namespace {
HSE_RESPONSE_VECTOR g_vector;
HSE_VECTOR_ELEMENT g_elements[3];
}  // namespace

TEST_CASE("VECTOR_SEND sends headers, memory and file elements, and ends the body", "[ecb][vector]") {
    const std::string content = file_content();
    TempFile file(content);
    static char memory[] = "memory-part|";
    g_elements[0] = {HSE_VECTOR_ELEMENT_TYPE_MEMORY_BUFFER, memory, 0, std::strlen(memory)};
    g_elements[1] = {HSE_VECTOR_ELEMENT_TYPE_FILE_HANDLE, HSE_FD_TO_HANDLE(file.fd()), 10, 20};
    g_elements[2] = {HSE_VECTOR_ELEMENT_TYPE_FILE_HANDLE, HSE_FD_TO_HANDLE(file.fd()), 100, ~0ULL};
    g_vector = {};
    g_vector.dwFlags = HSE_IO_SEND_HEADERS | HSE_IO_FINAL_SEND | HSE_IO_SYNC;
    g_vector.pszStatus = const_cast<char*>("201 Created");
    g_vector.pszHeaders = const_cast<char*>("Content-Type: application/x-test\r\n\r\n");
    g_vector.nElementCount = 3;
    g_vector.lpElementArray = g_elements;
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        g_ok = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_VECTOR_SEND, &g_vector, nullptr, nullptr);
        return HSE_STATUS_SUCCESS;
    });
    REQUIRE(h.wait_complete());
    CHECK(g_ok == TRUE);
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.status == 201);
    CHECK(r.header("content-type") == "application/x-test");
    CHECK(r.body == "memory-part|" + content.substr(10, 20) + content.substr(100));
    CHECK(r.rest.empty());  // FINAL_SEND ended the body; completion added nothing
}

TEST_CASE("async VECTOR_SEND completes through the registered routine", "[ecb][vector][async]") {
    static char part1[] = "hello, ";
    static char part2[] = "vector";
    g_elements[0] = {HSE_VECTOR_ELEMENT_TYPE_MEMORY_BUFFER, part1, 0, 7};
    g_elements[1] = {HSE_VECTOR_ELEMENT_TYPE_MEMORY_BUFFER, part2, 0, 6};
    g_vector = {};
    g_vector.dwFlags = HSE_IO_SEND_HEADERS | HSE_IO_ASYNC;
    g_vector.pszHeaders = const_cast<char*>("Content-Length: 13\r\n\r\n");
    g_vector.nElementCount = 2;
    g_vector.lpElementArray = g_elements;
    g_calls = 0;
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IO_COMPLETION, reinterpret_cast<LPVOID>(tf_done), nullptr,
                                   nullptr);
        return ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_VECTOR_SEND, &g_vector, nullptr, nullptr)
                   ? HSE_STATUS_PENDING
                   : HSE_STATUS_ERROR;
    });
    REQUIRE(h.wait_complete());
    CHECK(g_calls == 1);
    CHECK(g_cb_io == 13);
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.status == 200);
    CHECK(r.body == "hello, vector");
    CHECK(h.transport->send_calls() == 1);  // header and both elements coalesced
    CHECK(h.transport->kept_alive());
}

TEST_CASE("VECTOR_SEND rejects an unknown element type", "[ecb][vector]") {
    g_elements[0] = {7, nullptr, 0, 0};
    g_vector = {};
    g_vector.nElementCount = 1;
    g_vector.lpElementArray = g_elements;
    static DWORD error;
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        g_ok = ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_VECTOR_SEND, &g_vector, nullptr, nullptr);
        error = GetLastError();
        return HSE_STATUS_SUCCESS;
    });
    REQUIRE(h.wait_complete());
    CHECK(g_ok == FALSE);
    CHECK(error == ERROR_INVALID_PARAMETER);
}
