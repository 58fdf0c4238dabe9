#include "admin_support.hpp"

#include <isapi/platform/sha256.hpp>

#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace isapi::itest {

std::uint16_t admin_port(const HostProcess& host) {
    if (host.admin_port() == 0) throw std::runtime_error("isapi-host printed no admin line; output: " + host.output());
    return host.admin_port();
}

std::unique_ptr<HostProcess> start_host_with_admin(std::vector<std::string> args) {
    args.insert(args.end(), {"--admin", "127.0.0.1:0"});
    return start_host(std::move(args));
}

HttpResponse admin_get(const HostProcess& host, const std::string& target, const std::string& token) {
    HttpClient client(host.admin_address(), admin_port(host));
    HttpRequest request;
    request.target = target;
    if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
    return client.send(request);
}

nlohmann::json admin_status(const HostProcess& host) {
    const auto response = admin_get(host, "/_isapi/status");
    if (response.status != 200) throw std::runtime_error("status answered " + std::to_string(response.status));
    return nlohmann::json::parse(response.body);
}

std::vector<nlohmann::json> admin_events(const HostProcess& host, std::uint64_t since) {
    const auto response = admin_get(host, "/_isapi/events?since=" + std::to_string(since));
    if (response.status != 200) throw std::runtime_error("events answered " + std::to_string(response.status));
    return json_lines(response.body);
}

std::string file_sha256(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return platform::sha256_hex(bytes);
}

}  // namespace isapi::itest
