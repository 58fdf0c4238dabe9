#include "hostile_host.hpp"

#include "admin_text.hpp"

#include <catch2/catch.hpp>

#include <exception>
#include <stdexcept>

namespace isapi::itest::hostile {

HostileHost::HostileHost(std::string isolation, std::vector<std::string> flags, bool admin)
    : isolation_(std::move(isolation)) {
    // A short shutdown limit: some attacks leave requests running at teardown.
    std::vector<std::string> args = isolation_args(isolation_);
    args.insert(args.end(), {"--listen", "127.0.0.1:0", "--log-level", "warn", "--shutdown-time-limit", "1000"});
    for (const auto& pair : {map_arg("/hello.dll", Built::hello), map_arg("/echo.dll", Built::echo)})
        args.insert(args.end(), pair.begin(), pair.end());
    if (admin) args.insert(args.end(), {"--admin", "127.0.0.1:0"});
    args.insert(args.end(), flags.begin(), flags.end());
    process_ = spawn_host(std::move(args));
}

double HostileHost::requests_in_flight() {
    if (admin_port() == 0) throw std::logic_error("requests_in_flight needs the admin API");
    HttpClient client(process_->admin_address(), admin_port(), std::chrono::seconds(2));
    const auto response = client.get("/_isapi/metrics");
    if (response.status != 200) throw std::runtime_error("metrics answered " + std::to_string(response.status));
    return metric(response.body, "isapi_requests_in_flight");
}

std::string HostileHost::diagnostics() {
    const auto ended = process_->exit_description();
    return "isolation " + isolation_ + (ended.empty() ? ", host running" : ", host ended: " + ended) +
           "\nhost output (tail):\n" + [&] {
               const auto text = process_->output();
               return text.size() > 3000 ? text.substr(text.size() - 3000) : text;
           }();
}

Probe probe_hello(HostileHost& host, std::chrono::milliseconds bound) {
    Probe probe;
    const auto start = std::chrono::steady_clock::now();
    try {
        HttpClient client(host.process().address(), host.port(), bound);
        probe.status = get_from_live_host(host.process(), client, "/hello.dll").status;
    } catch (const std::exception& error) {
        probe.error = error.what();
    }
    probe.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    return probe;
}

void check_still_serving(HostileHost& host, std::chrono::milliseconds bound) {
    const auto probe = probe_hello(host, bound);
    INFO("GET /hello.dll after the attack: status " << probe.status << " in " << probe.elapsed.count() << " ms "
                                                    << probe.error << "\n" << host.diagnostics());
    CHECK(host.process().running());
    CHECK(probe.status == 200);
    CHECK(probe.elapsed <= bound);
}

Transcript send_and_read_to_close(HostileHost& host, const std::string& request, std::chrono::milliseconds timeout) {
    const auto connection = host.connect();
    connection->send(request, timeout);
    return connection->read_until_close(timeout);
}

std::vector<RawResponse> send_and_read_responses(HostileHost& host, const std::string& request, std::size_t count,
                                                 std::chrono::milliseconds timeout) {
    const auto connection = host.connect();
    connection->send(request, timeout);
    return connection->read_responses(count, timeout);
}

void check_refused(const Transcript& transcript, unsigned status) {
    const auto responses = complete_responses(transcript.bytes, transcript.closed);
    INFO("expected one " << status << " then a close; got " << statuses_of(responses)
                         << (transcript.closed ? ", closed" : ", still open")
                         << (transcript.reset ? " (reset)" : "") << "; bytes:\n" << transcript.bytes.substr(0, 400));
    CHECK(responses.size() == 1);
    CHECK((!responses.empty() && responses.front().status == status));
    CHECK(transcript.closed);
}

std::string request_start(const std::string& method, const std::string& target) {
    return method + " " + target + " HTTP/1.1\r\nHost: t\r\n";
}

std::string statuses_of(const std::vector<RawResponse>& responses) {
    std::string text;
    for (const auto& r : responses) {
        if (!text.empty()) text += ' ';
        text += std::to_string(r.status);
    }
    return text.empty() ? "(none)" : text;
}

}  // namespace isapi::itest::hostile
