#pragma once
// The host every hostile test attacks: a real isapi-host in either isolation
// mode, serving the hello sample at /hello.dll and the echo sample at
// /echo.dll, plus the checks made after every attack: that it still serves
// a normal request promptly, and how much memory it and its workers hold.
#include "raw_connection.hpp"
#include "test_support.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace isapi::itest::hostile {

// Each case runs against every way of running extensions (isolation_args):
// GENERATE(from_range(kIsolationModes)). Windows has no hand-off yet.
#ifdef _WIN32
inline const std::vector<std::string> kIsolationModes = {"inproc", "process"};
#else
inline const std::vector<std::string> kIsolationModes = {"inproc", "process", "handoff"};  // see isolation_args
#endif

// What a well-behaved client gets from a host after an attack.
inline constexpr std::chrono::milliseconds kServeBound{2000};

class HostileHost {
public:
    // `flags` are extra isapi-host options (short timeouts, small limits).
    // With `admin`, the admin API listens too (for requests in flight).
    HostileHost(std::string isolation, std::vector<std::string> flags = {}, bool admin = false);

    const std::string& isolation() const { return isolation_; }
    HostProcess& process() { return *process_; }
    std::uint16_t port() const { return process_->port(); }
    std::uint16_t admin_port() const { return process_->admin_port(); }  // 0 without `admin`
    platform::ProcessId pid() const { return process_->pid(); }

    std::unique_ptr<RawConnection> connect() const { return std::make_unique<RawConnection>(port()); }

    // isapi_requests_in_flight from the admin API's metrics (needs `admin`).
    double requests_in_flight();

    // How the host stands, for INFO() when a check fails.
    std::string diagnostics();

private:
    std::string isolation_;
    std::unique_ptr<HostProcess> process_;
};

// The outcome of one normal GET /hello.dll on a fresh connection.
struct Probe {
    unsigned status = 0;
    std::chrono::milliseconds elapsed{0};
    std::string error;  // the network error, or how the host died
};
Probe probe_hello(HostileHost& host, std::chrono::milliseconds bound = kServeBound);

// CHECKs that the host is alive and answers GET /hello.dll 200 within `bound`.
void check_still_serving(HostileHost& host, std::chrono::milliseconds bound = kServeBound);

// Sends `request` on a fresh connection and reads until the host closes it
// (or `timeout`).
Transcript send_and_read_to_close(HostileHost& host, const std::string& request,
                    std::chrono::milliseconds timeout = std::chrono::seconds(3));

// Sends `request` on a fresh connection and reads until `count` complete
// responses arrive (or a close, or `timeout`): for the controls that show a
// well-formed twin of an attack is served.
std::vector<RawResponse> send_and_read_responses(HostileHost& host, const std::string& request, std::size_t count = 1,
                                                 std::chrono::milliseconds timeout = std::chrono::seconds(3));

// CHECKs that the host refused with exactly one response of `status` and
// then closed the connection: nothing smuggled after the refusal was answered.
void check_refused(const Transcript& transcript, unsigned status);

// A request line and Host, for building hostile requests: "METHOD TARGET HTTP/1.1\r\nHost: t\r\n".
std::string request_start(const std::string& method, const std::string& target);

// The statuses of the responses, for messages: "431 200".
std::string statuses_of(const std::vector<RawResponse>& responses);

}  // namespace isapi::itest::hostile
