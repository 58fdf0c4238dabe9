#include "callbacks.hpp"

#include "conn_registry.hpp"
#include "diagnostics.hpp"
#include "session.hpp"

#include <spdlog/spdlog.h>

#include <isapi/platform/thread_inventory.hpp>

#include <cstdio>

namespace isapi::ecb::detail {

namespace {

std::string hex(std::uintptr_t value) {
    char text[32];
    std::snprintf(text, sizeof text, "%#llx", static_cast<unsigned long long>(value));
    return text;
}

std::string describe(const char* what, HCONN conn) { return std::string(what) + " on ConnID " + hex(conn_value(conn)); }

// Names the module whose call brought a ConnID the registry could not place:
// the request whose ECB the "ConnID" is (a common slip: pECB for
// pECB->ConnID), else the module whose code made the call (`caller`, the
// callback's return address), from a live or recent request of that module.
void attribute(HCONN conn, const void* caller, Finding& finding) {
    ConnRegistry& registry = ConnRegistry::instance();
    if (auto owner = registry.owner_of_ecb(conn)) {
        finding.module = std::move(owner->module);
        finding.load_generation = owner->load_generation;
        finding.evidence += "; it is the address of that request's EXTENSION_CONTROL_BLOCK, not its ConnID";
        return;
    }
    const auto address = reinterpret_cast<std::uintptr_t>(caller);
    const auto range = platform::module_range(caller);
    if (auto owner = range ? registry.owner_of_code(range->begin, range->end) : std::nullopt) {
        finding.evidence += "; called from " + owner->module + "+" + hex(address - range->begin);
        finding.module = std::move(owner->module);
        finding.load_generation = owner->load_generation;
        return;
    }
    finding.module = "unknown";
    finding.evidence += "; called from " + hex(address) + ", in no module with a recent request";
}

// The live session for `conn`, or null with the error set and a finding made.
// A DONE_WITH_SESSION on a finished request is a double done; any other call
// on it is a use after done; an id never handed out is a bad id.
std::shared_ptr<Session> resolve(HCONN conn, const char* what, bool is_done, const void* caller) {
    auto session = ConnRegistry::instance().find(conn);
    if (session && !session->closed()) return session;
    SetLastError(ERROR_INVALID_PARAMETER);
    const char* kind = is_done ? "double_done" : "ecb_after_done";
    if (session) {
        session->record_finding(kind, describe(what, conn) + " after the request completed");
        return nullptr;
    }
    const ConnRegistry::Miss miss = ConnRegistry::instance().explain(conn);
    Finding finding;
    finding.kind = miss.issued ? kind : "invalid_conn_id";
    finding.module = miss.module;
    finding.load_generation = miss.load_generation;
    finding.evidence = describe(what, conn) + (miss.issued ? " after the request completed" : ", which was never issued");
    if (finding.module.empty()) attribute(conn, caller, finding);
    report_orphan_finding(finding);
    return nullptr;
}

// Foreign code is on the other side of these functions: nothing may unwind
// into it.
template <class F>
BOOL guarded(const char* what, F&& body) {
    try {
        return body();
    } catch (const std::exception& e) {
        spdlog::error("{} failed inside the host: {}", what, e.what());
    } catch (...) {
        spdlog::error("{} failed inside the host", what);
    }
    return fail(ERROR_INVALID_PARAMETER);
}

BOOL WINAPI get_server_variable(HCONN conn, LPSTR name, LPVOID buffer, LPDWORD size) {
    const void* caller = __builtin_return_address(0);  // in the extension that called
    return guarded("GetServerVariable", [&]() -> BOOL {
        auto session = resolve(conn, "GetServerVariable", false, caller);
        return session ? session->get_server_variable(name, buffer, size) : FALSE;
    });
}

BOOL WINAPI write_client(HCONN conn, LPVOID buffer, LPDWORD bytes, DWORD flags) {
    const void* caller = __builtin_return_address(0);  // in the extension that called
    return guarded("WriteClient", [&]() -> BOOL {
        auto session = resolve(conn, "WriteClient", false, caller);
        return session ? session->write_client(buffer, bytes, flags) : FALSE;
    });
}

BOOL WINAPI read_client(HCONN conn, LPVOID buffer, LPDWORD size) {
    const void* caller = __builtin_return_address(0);  // in the extension that called
    return guarded("ReadClient", [&]() -> BOOL {
        auto session = resolve(conn, "ReadClient", false, caller);
        return session ? session->read_client(buffer, size) : FALSE;
    });
}

BOOL WINAPI server_support_function(HCONN conn, DWORD request, LPVOID buffer, LPDWORD size, LPDWORD data_type) {
    const void* caller = __builtin_return_address(0);  // in the extension that called
    return guarded("ServerSupportFunction", [&]() -> BOOL {
        const bool is_done = request == HSE_REQ_DONE_WITH_SESSION;
        auto session = resolve(conn, is_done ? "DONE_WITH_SESSION" : "ServerSupportFunction", is_done, caller);
        return session ? session->support_function(request, buffer, size, data_type) : FALSE;
    });
}

}  // namespace

void install_callbacks(EXTENSION_CONTROL_BLOCK& ecb) {
    ecb.GetServerVariable = get_server_variable;
    ecb.WriteClient = write_client;
    ecb.ReadClient = read_client;
    ecb.ServerSupportFunction = server_support_function;
}

}  // namespace isapi::ecb::detail
