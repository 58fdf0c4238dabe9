#include "host_launch.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace isapi::loadgen {
namespace {

namespace fs = std::filesystem;

Url url_of(const std::string& address, std::uint16_t port) {
    const bool ipv6 = address.find(':') != std::string::npos;
    return Url::parse("http://" + (ipv6 ? "[" + address + "]" : address) + ":" + std::to_string(port) + "/");
}

}  // namespace

std::string locate_host_executable(const std::string& explicit_path) {
    std::vector<std::string> candidates;
    if (!explicit_path.empty()) {
        candidates.push_back(explicit_path);
    } else if (const char* env = std::getenv("ISAPI_HOST"); env != nullptr && *env != '\0') {
        candidates.emplace_back(env);
    } else {
        // Beside us or in the build tree, with our own extension (".exe" on
        // Windows, none on POSIX).
        const fs::path self_path(platform::current_executable());
        const fs::path self = self_path.parent_path();
        const std::string name = "isapi-host" + self_path.extension().string();
        candidates.push_back((self / name).string());
        candidates.push_back((self.parent_path() / "host" / name).string());
    }
    std::string tried;
    for (const auto& c : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(c, ec)) return fs::absolute(c).string();
        tried += "\n  " + c;
    }
    throw std::runtime_error("cannot find isapi-host; looked at:" + tried + "\n  (give --host-exe PATH or set ISAPI_HOST)");
}

std::unique_ptr<HostProcess> start_loopback_host(const std::string& executable, const std::vector<std::string>& args,
                                                 const std::string& output_file) {
    host_control::HostStart start;
    start.executable = executable;
    start.args = {"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"};
    start.args.insert(start.args.end(), args.begin(), args.end());
    start.output_file = output_file;
    start.wait_for_admin = true;
    return std::make_unique<HostProcess>(std::move(start));
}

Url base_url(const HostProcess& host) { return url_of(host.address(), host.port()); }

Url admin_url(const HostProcess& host) { return url_of(host.admin_address(), host.admin_port()); }

}  // namespace isapi::loadgen
