#include "loadgen/race/host_findings.hpp"

#include <regex>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "loadgen/hostctl/admin_client.hpp"

namespace isapi::loadgen {

std::optional<HostEvent> parse_host_event(std::string_view line) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned()) return std::nullopt;
    HostEvent event;
    event.seq = j["seq"].get<std::uint64_t>();
    event.kind = j.value("kind", "");
    if (event.kind == "finding") {
        RaceFinding f;
        f.kind = j.value("finding", "");
        f.module = j.value("module", "");
        f.load_generation = j.value("load", std::uint64_t{0});
        f.evidence = j.value("detail", "");
        f.source = "events";
        event.finding = std::move(f);
    }
    return event;
}

std::vector<HostEvent> HostEventFeed::poll() {
    const HttpReply reply = http_call(admin_, "GET", "/_isapi/events?since=" + std::to_string(last_seq_));
    if (reply.status != 200)
        throw std::runtime_error("the host's GET /_isapi/events answered " + std::to_string(reply.status));
    std::vector<HostEvent> events;
    std::istringstream lines(reply.body);
    for (std::string line; std::getline(lines, line);) {
        auto event = parse_host_event(line);
        if (!event || event->seq <= last_seq_) continue;
        // The ring overwrote what lay between the last read and this one.
        missed_ += event->seq - last_seq_ - 1;
        last_seq_ = event->seq;
        events.push_back(std::move(*event));
    }
    return events;
}

std::vector<RaceFinding> findings_in_host_log(const std::string& log_text) {
    // spdlog's "[...] [warning] " prefix, then the recorder's own words.
    static const std::regex line_pattern(R"(finding (\S+) in (.*?) \((?:worker [0-9]+, )?load ([0-9]+)\): (.*)$)");
    std::vector<RaceFinding> findings;
    std::istringstream lines(log_text);
    for (std::string line; std::getline(lines, line);) {
        std::smatch m;
        if (!std::regex_search(line, m, line_pattern)) continue;
        RaceFinding f;
        f.kind = m[1];
        f.module = m[2] == "?" ? std::string() : std::string(m[2]);
        f.load_generation = std::stoull(m[3]);
        f.evidence = m[4];
        f.source = "host log";
        findings.push_back(std::move(f));
    }
    return findings;
}

}  // namespace isapi::loadgen
