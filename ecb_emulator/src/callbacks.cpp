#include "callbacks.hpp"

#include "conn_registry.hpp"
#include "diagnostics.hpp"
#include "session.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

namespace isapi::ecb::detail {

namespace {

std::string describe(const char* what, HCONN conn) {
    char id[32];
    std::snprintf(id, sizeof id, "%#llx", static_cast<unsigned long long>(conn_value(conn)));
    return std::string(what) + " on ConnID " + id;
}

// The live session for `conn`, or null with the error set and a finding made.
// A DONE_WITH_SESSION on a finished request is a double done; any other call
// on it is a use after done; an id never handed out is a bad id.
std::shared_ptr<Session> resolve(HCONN conn, const char* what, bool is_done) {
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
    return guarded("GetServerVariable", [&]() -> BOOL {
        auto session = resolve(conn, "GetServerVariable", false);
        return session ? session->get_server_variable(name, buffer, size) : FALSE;
    });
}

BOOL WINAPI write_client(HCONN conn, LPVOID buffer, LPDWORD bytes, DWORD flags) {
    return guarded("WriteClient", [&]() -> BOOL {
        auto session = resolve(conn, "WriteClient", false);
        return session ? session->write_client(buffer, bytes, flags) : FALSE;
    });
}

BOOL WINAPI read_client(HCONN conn, LPVOID buffer, LPDWORD size) {
    return guarded("ReadClient", [&]() -> BOOL {
        auto session = resolve(conn, "ReadClient", false);
        return session ? session->read_client(buffer, size) : FALSE;
    });
}

BOOL WINAPI server_support_function(HCONN conn, DWORD request, LPVOID buffer, LPDWORD size, LPDWORD data_type) {
    return guarded("ServerSupportFunction", [&]() -> BOOL {
        const bool is_done = request == HSE_REQ_DONE_WITH_SESSION;
        auto session = resolve(conn, is_done ? "DONE_WITH_SESSION" : "ServerSupportFunction", is_done);
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
