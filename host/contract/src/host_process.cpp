#include <isapi/contract/host_process.hpp>

#include <isapi/contract/host_contract.hpp>

#include <atomic>
#include <charconv>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string_view>

namespace isapi::host_control {
namespace {

namespace fs = std::filesystem;

struct Endpoint {
    std::string address;
    std::uint16_t port = 0;
    bool tls = false;
};

// The value after `prefix` on the first complete line starting with it.
std::optional<std::string> line_value(const std::string& text, std::string_view prefix) {
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t end = text.find('\n', at);
        if (end == std::string::npos) return std::nullopt;  // still being written
        std::string_view line(text.data() + at, end - at);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.starts_with(prefix)) return std::string(line.substr(prefix.size()));
        at = end + 1;
    }
    return std::nullopt;
}

// "http://ADDR:PORT" (or https:// with --tls-cert) as the host prints it;
// an IPv6 address is bracketed.
std::optional<Endpoint> parse_endpoint(std::string_view url) {
    Endpoint endpoint;
    endpoint.tls = url.starts_with("https://");
    const std::string_view scheme = endpoint.tls ? "https://" : "http://";
    if (!url.starts_with(scheme)) return std::nullopt;
    url.remove_prefix(scheme.size());
    const auto colon = url.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    std::string_view address = url.substr(0, colon);
    if (address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
    endpoint.address = std::string(address);
    const std::string_view digits = url.substr(colon + 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), endpoint.port);
    if (error != std::errc() || end != digits.data() + digits.size() || endpoint.port == 0) return std::nullopt;
    return endpoint;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A file name no other HostProcess of any process uses at the same time.
std::string temporary_output_file() {
    static std::atomic<unsigned> next{0};
    const auto name = "isapi-host-" + std::to_string(platform::current_process_id()) + "-" +
                      std::to_string(next.fetch_add(1)) + ".log";
    return (fs::temp_directory_path() / name).string();
}

std::string with_tail(std::string message, const std::string& output_file) {
    const std::string tail = tail_of_file(output_file);
    return message + (tail.empty() ? std::string(", with no output") : ":\n" + tail);
}

}  // namespace

std::string tail_of_file(const std::string& path, std::size_t max_lines) {
    std::ifstream in(path);
    std::deque<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
        if (lines.size() > max_lines) lines.pop_front();
    }
    std::string text;
    for (const auto& line : lines) text += "    " + line + "\n";
    return text;
}

HostProcess::HostProcess(HostStart start)
    : processes_(platform::system_process_control()), output_file_(std::move(start.output_file)) {
    if (output_file_.empty()) {
        output_file_ = temporary_output_file();
        owns_output_file_ = true;
    }
    std::string error;
    const auto child = processes_.spawn(start.executable, start.args, start.env, error, output_file_);
    if (!child) {
        std::error_code ignored;
        if (owns_output_file_) fs::remove(output_file_, ignored);
        throw std::runtime_error("cannot start " + start.executable + ": " + error);
    }
    platform::close_channel(child->channel);  // a host takes no channel from whoever starts it
    pid_ = child->pid;
    reaper_ = std::thread([this] {
        const auto status = processes_.wait(pid_);
        std::lock_guard lock(mutex_);
        ended_ = status;
        ended_changed_.notify_all();
    });
    try {
        await_ready(start);
    } catch (...) {
        abandon();
        throw;
    }
}

namespace {

HostStart plain_start(std::string executable, std::vector<std::string> args) {
    HostStart start;
    start.executable = std::move(executable);
    start.args = std::move(args);
    return start;
}

}  // namespace

HostProcess::HostProcess(std::string executable, std::vector<std::string> args)
    : HostProcess(plain_start(std::move(executable), std::move(args))) {}

void HostProcess::await_ready(const HostStart& start) {
    const auto deadline = std::chrono::steady_clock::now() + start.ready_timeout;
    for (;;) {
        bool ready = false;
        read_addresses(read_all(output_file_), start.wait_for_admin, ready);
        if (ready) return;
        // The reaper's notice doubles as the poll interval for the output file.
        if (const auto ended = wait_exit(std::chrono::milliseconds(10)))
            throw std::runtime_error(with_tail("isapi-host " + ended->describe() + " before it listened", output_file_));
        if (std::chrono::steady_clock::now() >= deadline)
            throw std::runtime_error(with_tail("isapi-host did not listen within " +
                                                   std::to_string(start.ready_timeout.count()) + " ms",
                                               output_file_));
    }
}

void HostProcess::read_addresses(const std::string& output, bool need_admin, bool& ready) {
    const auto listening = line_value(output, contract::kListeningLine);
    if (!listening) return;
    const auto listen = parse_endpoint(*listening);
    if (!listen) throw std::runtime_error("isapi-host printed an unreadable listening line: " + *listening);
    const auto admin_line = line_value(output, contract::kAdminLine);
    if (admin_line) {
        const auto admin = parse_endpoint(*admin_line);
        if (!admin) throw std::runtime_error("isapi-host printed an unreadable admin line: " + *admin_line);
        admin_address_ = admin->address;
        admin_port_ = admin->port;
    } else if (need_admin) {
        return;
    }
    address_ = listen->address;
    tls_ = listen->tls;
    port_ = listen->port;
    ready = true;
}

void HostProcess::abandon() {
    kill();
    if (reaper_.joinable()) reaper_.join();
    std::error_code ignored;
    if (owns_output_file_) fs::remove(output_file_, ignored);
}

HostProcess::~HostProcess() {
    if (running()) stop(std::chrono::milliseconds(2'000));
    if (reaper_.joinable()) reaper_.join();
    std::error_code ignored;
    if (owns_output_file_) fs::remove(output_file_, ignored);
}

std::string HostProcess::output() const { return read_all(output_file_); }

std::optional<platform::ExitStatus> HostProcess::exit_status() const {
    std::lock_guard lock(mutex_);
    return ended_;
}

std::string HostProcess::exit_description() const {
    const auto ended = exit_status();
    return ended ? ended->describe() : std::string();
}

std::optional<platform::ExitStatus> HostProcess::wait_exit(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    ended_changed_.wait_for(lock, timeout, [this] { return ended_.has_value(); });
    return ended_;
}

bool HostProcess::send(bool graceful) {
    // Only a pid whose end the reaper has not recorded is signalled, so a
    // number the OS may already have handed to another process is left
    // alone (but for the instant between the reap and the record).
    std::lock_guard lock(mutex_);
    if (ended_) return false;
    std::string error;
    return graceful ? processes_.terminate(pid_, error) : processes_.kill(pid_, error);
}

bool HostProcess::terminate() { return send(true); }

bool HostProcess::kill() { return send(false); }

platform::ExitStatus HostProcess::stop(std::chrono::milliseconds grace) {
    terminate();
    if (const auto ended = wait_exit(grace)) return *ended;
    kill();
    std::unique_lock lock(mutex_);
    ended_changed_.wait(lock, [this] { return ended_.has_value(); });
    return *ended_;
}

}  // namespace isapi::host_control
