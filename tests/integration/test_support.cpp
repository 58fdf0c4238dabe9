#include "test_support.hpp"

#include <unistd.h>

#include <boost/system/system_error.hpp>

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

HttpResponse get_from_live_host(HostProcess& host, HttpClient& client, const std::string& target)
{
    try {
        return client.get(target);
    } catch (const boost::system::system_error& error) {
        // Give a dying host a moment to be reaped before asking how it ended.
        wait_until([&] { return !host.running(); }, std::chrono::milliseconds(500));
        const auto ended = host.exit_description();
        if (ended.empty()) throw;
        throw std::runtime_error("GET " + target + " failed (" + error.code().message() +
                                 ") because isapi-host died: " + ended + "\nhost stderr:\n" + host.stderr_text());
    }
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

bool module_mapped(pid_t pid, const std::filesystem::path& path)
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
