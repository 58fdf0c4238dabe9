#include "json_report.hpp"

#include <nlohmann/json.hpp>

namespace isapi::loadgen {
namespace {

nlohmann::ordered_json latency(const Histogram& h) {
    return {{"p50", h.percentile(50)},     {"p90", h.percentile(90)},       {"p99", h.percentile(99)},
            {"p999", h.percentile(99.9)},  {"p9999", h.percentile(99.99)},  {"max", h.max()},
            {"mean", h.mean()},            {"count", h.count()}};
}

nlohmann::ordered_json builds_json(const BuildCounts& counts) {
    nlohmann::ordered_json builds = nlohmann::ordered_json::object();
    for (const auto& b : counts.builds()) {
        nlohmann::ordered_json workers = nlohmann::ordered_json::array();
        for (const auto& w : b.workers)
            workers.push_back({{"pid", w.pid}, {"worker", w.worker}, {"responses", w.responses},
                               {"first_load", w.first_load}, {"last_load", w.last_load}});
        builds[b.build] = {{"responses", b.responses}, {"workers", workers},
                           {"other_worker_responses", b.other_worker_responses}};
    }
    return builds;
}

}  // namespace

std::string json_report(const ReportInput& in) {
    const RunResult& r = *in.result;
    const RunStats& s = r.stats;
    nlohmann::ordered_json j;
    j["command"] = in.command;
    j["target"] = in.target;
    j["model"] = model_name(in.model);
    j["target_rate_per_s"] = in.model == Model::open_rate ? nlohmann::ordered_json(in.target_rate) : nullptr;
    j["threads"] = r.threads;
    j["connections"] = r.connections;
    j["elapsed_us"] = r.elapsed_s * 1e6;
    j["sent"] = s.sent();
    j["answered"] = s.answered();
    j["dropped"] = s.dropped();
    j["errors"] = s.errors();
    nlohmann::ordered_json by_class = nlohmann::ordered_json::object();
    for (auto c : all_classes()) by_class[std::string(class_name(c))] = s.count(c);
    j["by_class"] = by_class;
    j["achieved_rate_per_s"] = r.achieved_rate;
    j["latency_us"] = latency(s.corrected());
    // A closed loop sends when the last answer came: no intended time, so
    // no separate uncorrected latency.
    j["latency_uncorrected_us"] = in.model != Model::closed ? latency(s.uncorrected()) : nullptr;
    j["builds"] = builds_json(s.builds());
    j["read_bytes"] = s.bytes();
    j["malformed_lines"] = in.malformed;
    j["log_error"] = r.log_error.empty() ? nullptr : nlohmann::ordered_json(r.log_error);
    nlohmann::ordered_json thresholds = nlohmann::ordered_json::array();
    bool passed = true;
    for (const auto& t : in.thresholds) {
        thresholds.push_back({{"threshold", t.threshold.text}, {"actual", t.actual}, {"broken", t.broken}});
        passed = passed && !t.broken;
    }
    j["thresholds"] = thresholds;
    j["passed"] = passed;
    // Build values come from the server's X-Isapi-Build header and the target
    // from the user: bytes that are not UTF-8 become U+FFFD, not an exception.
    return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace isapi::loadgen
