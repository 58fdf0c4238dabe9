#include "worker_config.hpp"

#include <isapi/platform/process.hpp>

#include <nlohmann/json.hpp>

#include <limits>
#include <stdexcept>

namespace isapi::host {

namespace {
std::string mode_text(LoadMode mode) { return std::string(to_string(mode)); }
LoadMode mode_from(const std::string& text) { return text == "uncached" ? LoadMode::uncached : LoadMode::cached; }
}  // namespace

std::string to_json(const WorkerConfig& c) {
    nlohmann::json mappings = nlohmann::json::array();
    for (const auto& m : c.mappings) {
        nlohmann::json entry{{"url", m.url}, {"module", m.module.string()}};
        if (m.mode) entry["mode"] = mode_text(*m.mode);
        mappings.push_back(std::move(entry));
    }
    nlohmann::json handoff;
    if (c.handoff) {
        const auto& h = *c.handoff;
        handoff = {{"max_header_bytes", h.limits.max_header_bytes},
                   {"max_body_bytes", h.limits.max_body_bytes},
                   {"request_timeout_ms", h.limits.request_timeout.count()},
                   {"write_timeout_ms", h.limits.write_timeout.count()},
                   {"min_body_bytes_per_second", h.limits.min_body_bytes_per_second},
                   {"inline_budget_us", h.inline_budget.count()},
                   {"io_threads", h.io_threads},
                   {"queue_limit", h.queue_limit},
                   {"access_log_fields", h.access_log_fields}};
    }
    return nlohmann::json{{"mappings", std::move(mappings)},
                          {"handoff", std::move(handoff)},
                          {"default_mode", mode_text(c.default_mode)},
                          {"document_root", c.document_root},
                          {"threads", c.threads},
                          {"shutdown_time_limit_ms", c.shutdown_time_limit.count()},
                          {"identity_header", c.identity_header},
                          {"generation", c.generation},
                          {"preload", c.preload},
                          {"standby", c.standby},
                          {"shadow_copy", c.shadow_copy},
                          {"log_level", c.log_level},
                          {"crash_note", c.crash_note},
                          {"hang_timeout_ms", c.hunt.hang_timeout.count()},
                          {"leak_cycles", c.hunt.leak_cycles},
                          {"jitter", c.hunt.jitter ? nlohmann::json{{"seed", c.hunt.jitter->seed},
                                                                    {"max_us", c.hunt.jitter->max.count()}}
                                                   : nlohmann::json()}}
        .dump();
}

WorkerConfig worker_config_from_json(std::string_view text) {
    try {
        const auto j = nlohmann::json::parse(text);
        WorkerConfig c;
        for (const auto& entry : j.at("mappings")) {
            Mapping m;
            m.url = entry.at("url").get<std::string>();
            m.module = entry.at("module").get<std::string>();
            if (entry.contains("mode")) m.mode = mode_from(entry.at("mode").get<std::string>());
            c.mappings.push_back(std::move(m));
        }
        c.default_mode = mode_from(j.at("default_mode").get<std::string>());
        c.document_root = j.at("document_root").get<std::string>();
        c.threads = j.at("threads").get<std::size_t>();
        c.shutdown_time_limit = std::chrono::milliseconds(j.at("shutdown_time_limit_ms").get<long long>());
        c.identity_header = j.at("identity_header").get<bool>();
        c.generation = j.at("generation").get<std::uint64_t>();
        c.preload = j.at("preload").get<bool>();
        c.standby = j.at("standby").get<bool>();
        c.shadow_copy = j.at("shadow_copy").get<bool>();
        c.log_level = j.at("log_level").get<std::string>();
        c.crash_note = j.at("crash_note").get<std::string>();
        c.hunt.hang_timeout = std::chrono::milliseconds(j.at("hang_timeout_ms").get<long long>());
        c.hunt.leak_cycles = j.at("leak_cycles").get<std::size_t>();
        if (const auto& jitter = j.at("jitter"); !jitter.is_null())
            c.hunt.jitter = JitterSpec{jitter.at("seed").get<std::uint64_t>(),
                                       std::chrono::microseconds(jitter.at("max_us").get<long long>())};
        if (const auto& h = j.at("handoff"); !h.is_null()) {
            WorkerConfig::Handoff handoff;
            handoff.limits.max_header_bytes = h.at("max_header_bytes").get<std::size_t>();
            handoff.limits.max_body_bytes = h.at("max_body_bytes").get<std::uint64_t>();
            handoff.limits.request_timeout = std::chrono::milliseconds(h.at("request_timeout_ms").get<long long>());
            handoff.limits.write_timeout = std::chrono::milliseconds(h.at("write_timeout_ms").get<long long>());
            handoff.limits.min_body_bytes_per_second = h.at("min_body_bytes_per_second").get<std::uint32_t>();
            handoff.inline_budget = std::chrono::microseconds(h.at("inline_budget_us").get<long long>());
            handoff.io_threads = h.at("io_threads").get<std::size_t>();
            handoff.queue_limit = h.at("queue_limit").get<std::size_t>();
            handoff.access_log_fields = h.at("access_log_fields").get<std::string>();
            c.handoff = std::move(handoff);
        }
        return c;
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(std::string("worker config: ") + e.what());
    }
}

WorkerConfig worker_config(const ExtensionRuntimeOptions& runtime) {
    WorkerConfig c;
    c.mappings = runtime.mappings;
    c.default_mode = runtime.default_mode;
    c.document_root = runtime.document_root.string();
    c.threads = runtime.threads;
    c.shutdown_time_limit = runtime.shutdown_time_limit;
    c.hunt = runtime.hunt;
    c.identity_header = runtime.identity.header;
    return c;
}

ExtensionRuntimeOptions runtime_options(const WorkerConfig& config) {
    ExtensionRuntimeOptions o;
    o.mappings = config.mappings;
    o.default_mode = config.default_mode;
    o.document_root = config.document_root;
    // The worker's RunnerPool bounds the requests it is sent; this pool runs
    // only their completions. With --handoff it runs requests as the
    // in-process host's does, and the queue limit is the worker's to apply.
    o.threads = config.threads;
    o.queue_limit = config.handoff ? config.handoff->queue_limit : std::numeric_limits<std::size_t>::max();
    o.shutdown_time_limit = config.shutdown_time_limit;
    o.hunt = config.hunt;
    o.identity = IdentityOptions{static_cast<std::uint32_t>(platform::current_process_id()), config.generation,
                                 config.identity_header};
    return o;
}

}  // namespace isapi::host
