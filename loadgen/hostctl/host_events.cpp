#include "host_events.hpp"

#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <isapi/contract/host_contract.hpp>

#include "admin_client.hpp"

namespace isapi::loadgen {

std::optional<HostEvent> parse_host_event(std::string_view line) {
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned()) return std::nullopt;
    HostEvent e;
    e.seq = j["seq"].get<std::uint64_t>();
    e.steady_us = j.value("steady_us", std::int64_t{-1});
    e.kind = j.value("kind", "");
    e.module = j.value("module", "");
    e.load_generation = j.value("load", std::uint64_t{0});
    e.finding = j.value("finding", "");
    e.identity = j.value("identity", "");
    e.detail = j.value("detail", "");
    return e;
}

std::vector<HostEvent> HostEventFeed::poll() {
    const HttpReply reply = http_call(admin_, "GET", std::string(contract::admin::events) + "?since=" + std::to_string(last_seq_), token_);
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

}  // namespace isapi::loadgen
