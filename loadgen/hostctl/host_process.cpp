#include "loadgen/hostctl/host_process.hpp"

#include <isapi/contract/host_contract.hpp>

#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <stdexcept>
#include <thread>

namespace isapi::loadgen {
namespace {

namespace fs = std::filesystem;

// The value after `prefix` on the first line that starts with it, if any.
std::optional<std::string> line_value(const std::string& text, const std::string& prefix) {
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t end = text.find('\n', at);
        if (end == std::string::npos) return std::nullopt;  // the line is not finished yet
        if (text.compare(at, prefix.size(), prefix) == 0) return text.substr(at + prefix.size(), end - at - prefix.size());
        at = end + 1;
    }
    return std::nullopt;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Reaps the child on a thread of its own, so that start-up can notice an
// early exit while it polls the output file.
std::future<platform::ExitStatus> reap_later(platform::ProcessId pid) {
    return std::async(std::launch::async, [pid] { return platform::system_process_control().wait(pid); });
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

std::string locate_host_executable(const std::string& explicit_path) {
    std::vector<std::string> candidates;
    if (!explicit_path.empty()) {
        candidates.push_back(explicit_path);
    } else if (const char* env = std::getenv("ISAPI_HOST"); env != nullptr && *env != '\0') {
        candidates.emplace_back(env);
    } else {
        const fs::path self = fs::path(platform::current_executable()).parent_path();
        candidates.push_back((self / "isapi-host").string());
        candidates.push_back((self.parent_path() / "host" / "isapi-host").string());
    }
    std::string tried;
    for (const auto& c : candidates) {
        std::error_code ec;
        if (fs::is_regular_file(c, ec)) return fs::absolute(c).string();
        tried += "\n  " + c;
    }
    throw std::runtime_error("cannot find isapi-host; looked at:" + tried + "\n  (give --host-exe PATH or set ISAPI_HOST)");
}

HostProcess::HostProcess(const HostLaunch& launch) : output_file_(launch.output_file) {
    std::vector<std::string> args{"--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"};
    args.insert(args.end(), launch.args.begin(), launch.args.end());
    std::string error;
    auto child = platform::system_process_control().spawn(launch.executable, args, launch.env, error, output_file_);
    if (!child) throw std::runtime_error(error);
    platform::close_channel(child->channel);  // the host does not use it
    pid_ = child->pid;
    auto reaped = reap_later(pid_);

    const auto deadline = std::chrono::steady_clock::now() + launch.startup_timeout;
    for (;;) {
        const std::string output = read_all(output_file_);
        const auto listen = line_value(output, std::string(contract::kListeningLine));
        const auto admin = line_value(output, std::string(contract::kAdminLine));
        if (listen && admin) {
            base_ = Url::parse(*listen + "/");
            admin_ = Url::parse(*admin + "/");
            // The reaper thread stays attached to the future; stop() joins it.
            reaped_ = std::move(reaped);
            return;
        }
        if (reaped.wait_for(std::chrono::milliseconds(10)) == std::future_status::ready) {
            ended_ = reaped.get();
            const std::string output = tail_of_file(output_file_);
            throw std::runtime_error("isapi-host " + ended_->describe() + " before it listened" +
                                     (output.empty() ? std::string(", with no output") : ":\n" + output));
        }
        if (std::chrono::steady_clock::now() > deadline) {
            platform::system_process_control().kill(pid_, error);
            ended_ = reaped.get();
            throw std::runtime_error("isapi-host did not listen within " +
                                     std::to_string(launch.startup_timeout.count()) + " ms:\n" +
                                     tail_of_file(output_file_));
        }
    }
}

std::string HostProcess::output() const { return read_all(output_file_); }

HostProcess::~HostProcess() {
    if (!ended_) stop(std::chrono::milliseconds(2'000));
}

platform::ExitStatus HostProcess::stop(std::chrono::milliseconds grace) {
    if (ended_) return *ended_;
    std::string error;
    auto& processes = platform::system_process_control();
    processes.terminate(pid_, error);
    if (reaped_.wait_for(grace) != std::future_status::ready) processes.kill(pid_, error);
    ended_ = reaped_.get();
    return *ended_;
}

}  // namespace isapi::loadgen
