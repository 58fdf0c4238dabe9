#include "worker_support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/beast/core/error.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace isapi::itest::workers {

std::optional<Build> build_of(const HttpResponse& response) {
    const auto value = response.header("X-Isapi-Build");
    if (!value) return std::nullopt;
    static const std::regex pattern(R"(^([^;]+); sha256=([0-9a-f]+); pid=(\d+); worker=(\d+); load=(\d+)$)");
    std::smatch match;
    if (!std::regex_match(*value, match, pattern)) return std::nullopt;
    Build build;
    build.module = match[1].str();
    build.sha256 = match[2].str();
    build.pid = std::stol(match[3].str());
    build.generation = std::stoull(match[4].str());
    build.load = std::stoull(match[5].str());
    return build;
}

ScopedEnv::ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) previous_ = old;
    ::setenv(name_.c_str(), value.c_str(), 1);
}

ScopedEnv::~ScopedEnv() {
    if (previous_) ::setenv(name_.c_str(), previous_->c_str(), 1);
    else ::unsetenv(name_.c_str());
}

// ---- WorkerHost ---------------------------------------------------------------------

WorkerHost::WorkerHost(std::vector<std::string> extra) {
    std::vector<std::string> all = {"--isolation", "process", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                                    "--log-level", "info"};
    if (std::find(extra.begin(), extra.end(), "--shutdown-time-limit") == extra.end())
        all.insert(all.end(), {"--shutdown-time-limit", "2000"});
    all.insert(all.end(), extra.begin(), extra.end());
    process_ = spawn_host(std::move(all));
}

HttpResponse WorkerHost::get(const std::string& target, std::chrono::milliseconds timeout) {
    HttpClient c(process_->address(), port(), timeout);
    return get_from_live_host(*process_, c, target);
}

HttpClient WorkerHost::client(std::chrono::milliseconds timeout) const {
    return HttpClient(process_->address(), port(), timeout);
}

HttpResponse WorkerHost::admin(const std::string& method, const std::string& target) {
    HttpClient c(process_->admin_address(), admin_port(), std::chrono::seconds(5));
    HttpRequest request;
    request.method = method;
    request.target = target;
    return c.send(request);
}

std::vector<nlohmann::json> WorkerHost::events(std::uint64_t since) {
    const auto response = admin("GET", "/_isapi/events?since=" + std::to_string(since));
    if (response.status != 200) throw std::runtime_error("events answered " + std::to_string(response.status));
    return json_lines(response.body);
}

std::uint64_t WorkerHost::last_event_seq() {
    const auto all = events();
    return all.empty() ? 0 : all.back()["seq"].get<std::uint64_t>();
}

std::string WorkerHost::metrics() {
    const auto response = admin("GET", "/_isapi/metrics");
    if (response.status != 200) throw std::runtime_error("metrics answered " + std::to_string(response.status));
    return response.body;
}

nlohmann::json WorkerHost::status() {
    const auto response = admin("GET", "/_isapi/status");
    if (response.status != 200) throw std::runtime_error("status answered " + std::to_string(response.status));
    return nlohmann::json::parse(response.body);
}

std::optional<nlohmann::json> WorkerHost::wait_for_event(const std::function<bool(const nlohmann::json&)>& match,
                                                         std::chrono::milliseconds timeout, std::uint64_t since) {
    std::optional<nlohmann::json> found;
    wait_until(
        [&] {
            for (const auto& e : events(since))
                if (match(e)) {
                    found = e;
                    return true;
                }
            return false;
        },
        timeout);
    return found;
}

std::string WorkerHost::diagnostics() {
    std::string text = "--- host output ---\n" + process_->output() + "--- events ---\n";
    try {
        for (const auto& e : events()) {
            text += std::to_string(e.value("seq", 0)) + " " + e.value("kind", std::string("?"));
            if (e.contains("worker_generation")) text += " g" + std::to_string(e["worker_generation"].get<std::uint64_t>());
            for (const char* field : {"module", "finding", "detail"})
                if (e.contains(field)) text += " " + e[field].get<std::string>();
            text += "\n";
        }
    } catch (const std::exception& error) {
        text += std::string("(cannot read events: ") + error.what() + ")\n";
    }
    return text;
}

std::vector<std::string> args(std::initializer_list<std::vector<std::string>> parts) {
    std::vector<std::string> all;
    for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
    return all;
}

bool is_event(const nlohmann::json& event, const std::string& kind, std::uint64_t generation) {
    if (event.value("kind", "") != kind) return false;
    return generation == 0 || event.value("worker_generation", std::uint64_t{0}) == generation;
}

std::string text_of(const nlohmann::json& event, const char* field) { return event.value(field, std::string()); }

bool process_alive(long pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return false;
    std::string text;
    try {
        text.assign(std::istreambuf_iterator<char>(stat), std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure&) {
        return false;  // ESRCH: it was reaped between the open and the read
    }
    // pid (comm) STATE ...; comm may hold spaces or parentheses.
    const auto paren = text.rfind(')');
    if (paren == std::string::npos || paren + 2 >= text.size()) return false;
    const char state = text[paren + 2];
    return state != 'Z' && state != 'X';
}

void overwrite_in_place(const std::filesystem::path& from, const std::filesystem::path& to, int pieces,
                        std::chrono::milliseconds pause, const std::function<void()>& between) {
    std::ifstream in(from, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.empty()) throw std::runtime_error("cannot read " + from.string());
    const int fd = ::open(to.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open " + to.string() + ": " + std::strerror(errno));
    const std::size_t piece = (bytes.size() + static_cast<std::size_t>(pieces) - 1) / static_cast<std::size_t>(pieces);
    for (std::size_t offset = 0; offset < bytes.size(); offset += piece) {
        if (offset > 0) {
            std::this_thread::sleep_for(pause);
            if (between) between();
        }
        const std::size_t n = std::min(piece, bytes.size() - offset);
        std::size_t written = 0;
        while (written < n) {
            const ssize_t w = ::write(fd, bytes.data() + offset + written, n - written);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                ::close(fd);
                throw std::runtime_error("cannot write " + to.string());
            }
            written += static_cast<std::size_t>(w);
        }
    }
    ::close(fd);
}

// ---- LoadDriver ---------------------------------------------------------------------

LoadDriver::LoadDriver(const WorkerHost& host, std::string target, std::size_t connections, std::size_t max_requests,
                       std::chrono::milliseconds max_duration, std::chrono::milliseconds request_timeout)
    : address_("127.0.0.1"),
      port_(host.port()),
      target_(std::move(target)),
      max_requests_(max_requests),
      deadline_(std::chrono::steady_clock::now() + max_duration),
      request_timeout_(request_timeout),
      seen_(connections) {
    active_ = connections;
    for (std::size_t i = 0; i < connections; ++i) threads_.emplace_back([this, i] { run(i); });
}

LoadDriver::~LoadDriver() { stop(); }

void LoadDriver::stop() {
    stop_ = true;
    for (auto& t : threads_)
        if (t.joinable()) t.join();
}

bool LoadDriver::running() const { return active_.load() > 0; }

void LoadDriver::run(std::size_t index) {
    HttpClient client(address_, port_, request_timeout_);
    for (std::size_t n = 0; n < max_requests_ && !stop_ && std::chrono::steady_clock::now() < deadline_; ++n) {
        Observation seen;
        try {
            const auto response = client.get(target_);
            seen.status = response.status;
            seen.version = response.header("X-Sample-Version").value_or("");
            seen.build = build_of(response);
            seen.body = response.body;
        } catch (const boost::system::system_error& error) {
            seen.timed_out = error.code() == boost::beast::error::timeout;
            seen.error = seen.timed_out ? "timeout" : error.code().message();
            client.close();
        } catch (const std::exception& error) {
            seen.error = error.what();
            client.close();
        }
        std::lock_guard lock(mutex_);
        seen_[index].push_back(std::move(seen));
    }
    --active_;
}

std::vector<std::vector<Observation>> LoadDriver::snapshot() const {
    std::lock_guard lock(mutex_);
    return seen_;
}

bool LoadDriver::every_connection(const std::function<bool(const std::vector<Observation>&)>& condition) const {
    std::lock_guard lock(mutex_);
    return std::all_of(seen_.begin(), seen_.end(), condition);
}

bool LoadDriver::wait_every_connection(const std::function<bool(const std::vector<Observation>&)>& condition,
                                       std::chrono::milliseconds timeout) const {
    return wait_until([&] { return every_connection(condition) || !running(); }, timeout) &&
           every_connection(condition);
}

std::size_t count_if(const std::vector<Observation>& seen, const std::function<bool(const Observation&)>& condition) {
    return static_cast<std::size_t>(std::count_if(seen.begin(), seen.end(), condition));
}

std::string describe(const std::vector<Observation>& seen, std::size_t max) {
    std::string text;
    std::size_t shown = 0;
    for (const auto& o : seen) {
        if (shown++ == max) {
            text += " ...";
            break;
        }
        if (!text.empty()) text += ' ';
        if (o.status == 0) {
            text += "ERR(" + o.error + ")";
            continue;
        }
        text += std::to_string(o.status);
        if (!o.version.empty()) text += "/" + o.version;
        if (o.build) text += "/g" + std::to_string(o.build->generation);
        if (o.status != 200 && !o.body.empty()) {
            auto body = o.body.substr(0, 120);
            while (!body.empty() && body.back() == '\n') body.pop_back();
            text += "(" + body + ")";
        }
    }
    return text;
}

}  // namespace isapi::itest::workers
