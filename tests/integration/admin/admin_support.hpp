#pragma once
// Helpers for the admin API tests: find the admin address the host prints,
// fetch admin endpoints, and read files' SHA-256.
#include "admin_text.hpp"
#include "test_support.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace isapi::itest {

// `a` followed by `b`, for building host arguments.
inline std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// The port from the host's admin line. Throws if it printed none.
std::uint16_t admin_port(const HostProcess& host);

// Starts a host with `args` plus "--admin 127.0.0.1:0".
std::unique_ptr<HostProcess> start_host_with_admin(std::vector<std::string> args);

// GET on the admin port, optionally with a bearer token.
HttpResponse admin_get(const HostProcess& host, const std::string& target, const std::string& token = "");

nlohmann::json admin_status(const HostProcess& host);

// The events from GET /_isapi/events?since=N, parsed.
std::vector<nlohmann::json> admin_events(const HostProcess& host, std::uint64_t since = 0);


// Hex SHA-256 of a file's bytes.
std::string file_sha256(const std::string& path);

}  // namespace isapi::itest
