// A finding about a ConnID that belongs to no request still names the module
// whose call made it: the request whose ECB pointer was passed as the
// ConnID, or the module whose code called (its return address), from a live
// or recently finished request of that module. Socket-free: the
// "extensions" here are functions of this test program, which the emulator
// sees as the code of the harness's module "test.so".
#include "ecb_test_support.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

using namespace ecb_test;

namespace {

// The callback itself outlives the request; its ECB does not.
BOOL(WINAPI* g_write_client)(HCONN, LPVOID, LPDWORD, DWORD) = nullptr;

DWORD WINAPI ecb_for_conn_id(EXTENSION_CONTROL_BLOCK* ecb) {
    DWORD size = 2;
    // The slip: the ECB pointer where its ConnID belongs.
    ecb->WriteClient(reinterpret_cast<HCONN>(ecb), const_cast<char*>("ok"), &size, HSE_IO_SYNC);
    return HSE_STATUS_SUCCESS;
}

DWORD WINAPI garbage_conn_id(EXTENSION_CONTROL_BLOCK* ecb) {
    g_write_client = ecb->WriteClient;
    char buffer[16];
    DWORD size = sizeof buffer;
    ecb->GetServerVariable(reinterpret_cast<HCONN>(std::uintptr_t{5}), const_cast<char*>("URL"), buffer, &size);
    return HSE_STATUS_SUCCESS;
}

isapi::ecb::Finding only_orphan() {
    const auto orphans = take_orphan_findings();
    REQUIRE(orphans.size() == 1);
    return orphans.front();
}

// Runs `proc` as load `generation` of the harness's module: the one orphan finding it made.
isapi::ecb::Finding orphan_of(PFN_HTTPEXTENSIONPROC proc, std::uint64_t generation) {
    take_orphan_findings();
    Harness h;
    h.context.load_generation = generation;
    h.run(proc);
    REQUIRE(h.wait_complete());
    return only_orphan();
}

}  // namespace

TEST_CASE("an ECB pointer passed as the ConnID is invalid_conn_id of that request's module and load",
          "[ecb][connid][owner]") {
    const auto finding = orphan_of(ecb_for_conn_id, 31);
    CHECK(finding.kind == "invalid_conn_id");
    CHECK(finding.module == "test.so");
    CHECK(finding.load_generation == 31);
    CHECK(finding.evidence.find("EXTENSION_CONTROL_BLOCK") != std::string::npos);
}

TEST_CASE("a ConnID that was never issued is attributed to the module whose code called, live or just finished",
          "[ecb][connid][owner]") {
    auto finding = orphan_of(garbage_conn_id, 41);
    CHECK(finding.kind == "invalid_conn_id");
    CHECK(finding.module == "test.so");
    CHECK(finding.load_generation == 41);
    CHECK(finding.evidence.find("called from test.so+0x") != std::string::npos);

    // After the request: the same module's code, known from the request that just ended.
    DWORD size = 2;
    g_write_client(reinterpret_cast<HCONN>(std::uintptr_t{5}), const_cast<char*>("ok"), &size, HSE_IO_SYNC);
    finding = only_orphan();
    CHECK(finding.module == "test.so");
    CHECK(finding.load_generation == 41);
}
