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
    return nlohmann::json{{"mappings", std::move(mappings)},
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
    // The worker's RunnerPool bounds the requests; this pool runs only
    // completions.
    o.threads = config.threads;
    o.queue_limit = std::numeric_limits<std::size_t>::max();
    o.shutdown_time_limit = config.shutdown_time_limit;
    o.hunt = config.hunt;
    o.identity = IdentityOptions{static_cast<std::uint32_t>(platform::current_process_id()), config.generation,
                                 config.identity_header};
    return o;
}

}  // namespace isapi::host
