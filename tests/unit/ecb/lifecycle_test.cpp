#include "ecb_test_support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>

using namespace ecb_test;

namespace {

std::thread g_worker;
std::atomic<bool> g_done_returned{false};
int g_completions_seen_in_proc = -1;
Harness* g_harness = nullptr;

BOOL done(EXTENSION_CONTROL_BLOCK* ecb, DWORD* status = nullptr) {
    return ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_DONE_WITH_SESSION, status, nullptr, nullptr);
}

void send_ok(EXTENSION_CONTROL_BLOCK* ecb, const char* text) {
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_RESPONSE_HEADER, const_cast<char*>("200 OK"), nullptr,
                               reinterpret_cast<LPDWORD>(const_cast<char*>(text)));
}

}  // namespace

TEST_CASE("a pending request completes when another thread calls DONE_WITH_SESSION", "[ecb][lifecycle]") {
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        g_worker = std::thread([ecb] {
            std::this_thread::sleep_for(20ms);
            send_ok(ecb, "Content-Length: 4\r\n\r\nlate");
            done(ecb);
        });
        return HSE_STATUS_PENDING;
    });
    CHECK(h.completions() == 0);
    REQUIRE(h.wait_complete());
    g_worker.join();
    const auto r = h.response();
    REQUIRE(r.ok);
    CHECK(r.body == "late");
    CHECK(h.completions() == 1);
    CHECK(h.transport->finish_calls() == 1);
    CHECK(h.outcome().hse_status == HSE_STATUS_SUCCESS);
    CHECK(h.findings().empty());
}

TEST_CASE("DONE_WITH_SESSION before HttpExtensionProc returns PENDING completes once, after the return",
          "[ecb][lifecycle]") {
    SECTION("from the proc's own thread") {
        Harness h;
        g_harness = &h;
        h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
            send_ok(ecb, "Content-Length: 2\r\n\r\nok");
            done(ecb);
            g_completions_seen_in_proc = g_harness->completions();
            return HSE_STATUS_PENDING;
        });
        REQUIRE(h.wait_complete());
        CHECK(g_completions_seen_in_proc == 0);  // on_complete waits for the proc to return
        CHECK(h.completions() == 1);
        CHECK(h.transport->finish_calls() == 1);
        CHECK(h.response().body == "ok");
        CHECK(h.findings().empty());
    }
    SECTION("from another thread") {
        g_done_returned = false;
        Harness h;
        h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
            g_worker = std::thread([ecb] {
                send_ok(ecb, "Content-Length: 2\r\n\r\nok");
                done(ecb);
                g_done_returned = true;
            });
            while (!g_done_returned) std::this_thread::yield();
            // The ECB is still valid here, though the request is complete.
            CHECK(ecb->cbSize == sizeof(EXTENSION_CONTROL_BLOCK));
            return HSE_STATUS_PENDING;
        });
        g_worker.join();
        REQUIRE(h.wait_complete());
        CHECK(h.completions() == 1);
        CHECK(h.transport->finish_calls() == 1);
        CHECK(h.response().body == "ok");
    }
}

TEST_CASE("DONE_WITH_SESSION with HSE_STATUS_ERROR ends the request as an error", "[ecb][lifecycle]") {
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        g_worker = std::thread([ecb] {
            DWORD status = HSE_STATUS_ERROR;
            done(ecb, &status);
        });
        return HSE_STATUS_PENDING;
    });
    REQUIRE(h.wait_complete());
    g_worker.join();
    CHECK(h.response().status == 500);
    CHECK(h.outcome().hse_status == HSE_STATUS_ERROR);
}

TEST_CASE("a second DONE_WITH_SESSION fails with ERROR_INVALID_PARAMETER and a double_done finding",
          "[ecb][lifecycle][done]") {
    take_orphan_findings();
    static BOOL first, second;
    static DWORD error;
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        first = done(ecb);
        SetLastError(0);
        second = done(ecb);
        error = GetLastError();
        return HSE_STATUS_PENDING;
    });
    REQUIRE(h.wait_complete());
    CHECK(first == TRUE);
    CHECK(second == FALSE);
    CHECK(error == ERROR_INVALID_PARAMETER);
    const auto orphans = take_orphan_findings();
    REQUIRE(orphans.size() == 1);
    CHECK(orphans[0].kind == "double_done");
    CHECK(orphans[0].module == "test.so");
    CHECK(orphans[0].load_generation == 7);
    CHECK(h.completions() == 1);
    CHECK(h.transport->finish_calls() == 1);
}

TEST_CASE("DONE_WITH_SESSION followed by a final status is a double_done and the status is ignored",
          "[ecb][lifecycle][done]") {
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        send_ok(ecb, "Content-Length: 2\r\n\r\nok");
        done(ecb);
        return HSE_STATUS_ERROR;
    });
    REQUIRE(h.wait_complete());
    CHECK(h.has_finding("double_done"));
    CHECK(h.response().status == 200);
    CHECK(h.completions() == 1);
    CHECK(h.transport->finish_calls() == 1);
}

namespace {
HCONN g_saved_conn;
decltype(EXTENSION_CONTROL_BLOCK::GetServerVariable) g_saved_gsv;
decltype(EXTENSION_CONTROL_BLOCK::WriteClient) g_saved_write;
decltype(EXTENSION_CONTROL_BLOCK::ServerSupportFunction) g_saved_ssf;

DWORD WINAPI remember_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    g_saved_conn = ecb->ConnID;
    g_saved_gsv = ecb->GetServerVariable;
    g_saved_write = ecb->WriteClient;
    g_saved_ssf = ecb->ServerSupportFunction;
    return HSE_STATUS_SUCCESS;
}
}  // namespace

TEST_CASE("a ConnID used after its request completed fails with ERROR_INVALID_PARAMETER and a finding",
          "[ecb][lifecycle][connid]") {
    take_orphan_findings();
    Harness h;
    h.run(remember_ext);
    REQUIRE(h.wait_complete());

    char buffer[64];
    DWORD size = sizeof buffer;
    SetLastError(0);
    CHECK(g_saved_gsv(g_saved_conn, const_cast<char*>("URL"), buffer, &size) == FALSE);
    CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
    DWORD n = 3;
    SetLastError(0);
    CHECK(g_saved_write(g_saved_conn, const_cast<char*>("abc"), &n, HSE_IO_SYNC) == FALSE);
    CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
    SetLastError(0);
    CHECK(g_saved_ssf(g_saved_conn, HSE_REQ_DONE_WITH_SESSION, nullptr, nullptr, nullptr) == FALSE);
    CHECK(GetLastError() == ERROR_INVALID_PARAMETER);

    const auto orphans = take_orphan_findings();
    REQUIRE(orphans.size() == 3);
    CHECK(orphans[0].kind == "ecb_after_done");
    CHECK(orphans[0].module == "test.so");
    CHECK(orphans[0].load_generation == 7);
    CHECK(orphans[1].kind == "ecb_after_done");
    CHECK(orphans[2].kind == "double_done");
    CHECK(h.transport->sent().find("abc") == std::string::npos);
    CHECK(h.transport->finish_calls() == 1);
}

TEST_CASE("callbacks after DONE_WITH_SESSION while the proc still runs are refused", "[ecb][lifecycle][connid]") {
    take_orphan_findings();
    static BOOL write_ok;
    static DWORD write_error;
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        done(ecb);
        DWORD n = 4;
        SetLastError(0);
        write_ok = ecb->WriteClient(ecb->ConnID, const_cast<char*>("late"), &n, HSE_IO_SYNC);
        write_error = GetLastError();
        return HSE_STATUS_PENDING;
    });
    REQUIRE(h.wait_complete());
    CHECK(write_ok == FALSE);
    CHECK(write_error == ERROR_INVALID_PARAMETER);
    auto orphans = take_orphan_findings();
    const bool reported = h.has_finding("ecb_after_done") || (!orphans.empty() && orphans[0].kind == "ecb_after_done");
    CHECK(reported);
    CHECK(h.transport->sent().find("late") == std::string::npos);
}

TEST_CASE("an exception escaping HttpExtensionProc is a finding and a 500", "[ecb][lifecycle]") {
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK*) -> DWORD { throw std::runtime_error("extension bug"); });
    REQUIRE(h.wait_complete());
    CHECK(h.has_finding("exception_escaped"));
    CHECK(h.response().status == 500);
    CHECK(h.outcome().hse_status == HSE_STATUS_ERROR);
    CHECK(h.transport->finish_calls() == 1);
}

TEST_CASE("an exception escaping an I/O completion routine ends the request as an error", "[ecb][lifecycle]") {
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        ecb->ServerSupportFunction(
            ecb->ConnID, HSE_REQ_IO_COMPLETION,
            reinterpret_cast<LPVOID>(+[](EXTENSION_CONTROL_BLOCK*, PVOID, DWORD, DWORD) { throw 42; }), nullptr,
            nullptr);
        DWORD n = 2;
        ecb->WriteClient(ecb->ConnID, const_cast<char*>("ab"), &n, HSE_IO_ASYNC);
        return HSE_STATUS_PENDING;
    });
    REQUIRE(h.wait_complete());
    CHECK(h.has_finding("exception_escaped"));
    CHECK(h.outcome().hse_status == HSE_STATUS_ERROR);
    CHECK_FALSE(h.transport->kept_alive());  // body bytes were out already
}

TEST_CASE("unsupported ServerSupportFunction codes fail with ERROR_INVALID_PARAMETER", "[ecb][support]") {
    static DWORD codes[] = {HSE_REQ_EXEC_URL, HSE_REQ_GET_SSPI_INFO, HSE_REQ_GET_IMPERSONATION_TOKEN,
                            HSE_REQ_SEND_CUSTOM_ERROR, HSE_REQ_CANCEL_IO, 99999};
    static BOOL results[6];
    static DWORD errors[6];
    Harness h;
    h.run(+[](EXTENSION_CONTROL_BLOCK* ecb) -> DWORD {
        for (int i = 0; i < 6; ++i) {
            DWORD dummy = 0;
            SetLastError(0);
            results[i] = ecb->ServerSupportFunction(ecb->ConnID, codes[i], &dummy, &dummy, &dummy);
            errors[i] = GetLastError();
        }
        return HSE_STATUS_SUCCESS;
    });
    REQUIRE(h.wait_complete());
    for (int i = 0; i < 6; ++i) {
        INFO(codes[i]);
        CHECK(results[i] == FALSE);
        CHECK(errors[i] == ERROR_INVALID_PARAMETER);
    }
}
