#include "test_support.hpp"

#include "admin_text.hpp"

#include <unistd.h>

#include <boost/system/system_error.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string_view>

namespace isapi::itest {

TempDir::TempDir()
{
    std::string pattern = (std::filesystem::temp_directory_path() / "isapi-itest.XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir()
{
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::write(const std::string& name, const std::string& content) const
{
    const auto file = path_ / name;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
    return file;
}

std::unique_ptr<HostProcess> spawn_host(std::vector<std::string> args)
{
    host_control::HostStart start;
    start.executable = Built::host;
    start.wait_for_admin = std::find(args.begin(), args.end(), "--admin") != args.end();
    start.args = std::move(args);
    start.ready_timeout = std::chrono::seconds(10);
    return std::make_unique<HostProcess>(std::move(start));
}

HttpResponse get_from_live_host(const HostProcess& host, HttpClient& client, const std::string& target)
{
    try {
        return client.get(target);
    } catch (const boost::system::system_error& error) {
        // A dying host closes its sockets a moment before it is reaped.
        const auto ended = host.wait_exit(std::chrono::milliseconds(500));
        if (!ended) throw;
        throw std::runtime_error("GET " + target + " failed (" + error.code().message() +
                                 ") because isapi-host died: " + ended->describe() + "\nhost output:\n" +
                                 host.output());
    }
}

bool wait_for_requests_in_flight(const HostProcess& host, double count, std::chrono::milliseconds timeout)
{
    if (host.admin_port() == 0) throw std::logic_error("requests in flight are read from the admin API (--admin)");
    return wait_until(
        [&] {
            HttpClient admin(host.admin_address(), host.admin_port(), std::chrono::seconds(2));
            return metric(admin.get("/_isapi/metrics").body, "isapi_requests_in_flight") >= count;
        },
        timeout);
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

bool module_mapped(platform::ProcessId pid, const std::filesystem::path& path)
{
    std::error_code ec;
    const auto wanted = std::filesystem::weakly_canonical(path, ec).string();
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::string line;
    while (std::getline(maps, line)) {
        const auto slash = line.find('/');
        if (slash == std::string::npos) continue;
        std::string mapped = line.substr(slash);
        // A file replaced while mapped shows up as "PATH (deleted)".
        constexpr std::string_view deleted = " (deleted)";
        if (mapped.ends_with(deleted)) mapped.resize(mapped.size() - deleted.size());
        if (mapped == wanted || mapped == path.string()) return true;
    }
    return false;
}

std::string pattern_bytes(std::size_t size, unsigned seed)
{
    std::mt19937 random(seed);
    std::string bytes(size, '\0');
    for (auto& byte : bytes) byte = static_cast<char>(random() & 0xFF);
    return bytes;
}

}  // namespace isapi::itest
