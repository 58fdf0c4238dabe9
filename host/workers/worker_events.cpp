#include "worker_events.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace isapi::host {
namespace {

constexpr const char* kModuleKinds[] = {"loaded", "load_failed", "terminated", "unloaded"};

ModuleEvent::Kind module_kind(const std::string& text) {
    for (int i = 0; i < 4; ++i)
        if (text == kModuleKinds[i]) return static_cast<ModuleEvent::Kind>(i);
    throw std::runtime_error("unknown module event kind '" + text + "'");
}

}  // namespace

std::string encode_worker_event(const WorkerEvent& event) {
    if (const auto* m = std::get_if<ModuleEvent>(&event))
        return nlohmann::json{{"type", "module"},
                              {"kind", kModuleKinds[static_cast<int>(m->kind)]},
                              {"path", m->path},
                              {"module", m->module},
                              {"load_generation", m->load_generation},
                              {"identity", m->identity},
                              {"description", m->description},
                              {"detail", m->detail},
                              {"sha256", m->sha256}}
            .dump();
    const auto& f = std::get<ecb::Finding>(event);
    return nlohmann::json{{"type", "finding"},
                          {"kind", f.kind},
                          {"module", f.module},
                          {"load_generation", f.load_generation},
                          {"time", f.time.time_since_epoch().count()},
                          {"evidence", f.evidence}}
        .dump();
}

WorkerEvent decode_worker_event(std::string_view text) {
    try {
        const auto j = nlohmann::json::parse(text);
        if (j.at("type") == "module") {
            ModuleEvent m;
            m.kind = module_kind(j.at("kind").get<std::string>());
            m.path = j.at("path").get<std::string>();
            m.module = j.at("module").get<std::string>();
            m.load_generation = j.at("load_generation").get<std::uint64_t>();
            m.identity = j.at("identity").get<std::string>();
            m.description = j.at("description").get<std::string>();
            m.detail = j.at("detail").get<std::string>();
            m.sha256 = j.at("sha256").get<std::string>();
            return m;
        }
        ecb::Finding f;
        f.kind = j.at("kind").get<std::string>();
        f.module = j.at("module").get<std::string>();
        f.load_generation = j.at("load_generation").get<std::uint64_t>();
        f.time = std::chrono::steady_clock::time_point(
            std::chrono::steady_clock::duration(j.at("time").get<std::int64_t>()));
        f.evidence = j.at("evidence").get<std::string>();
        return f;
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(std::string("worker event: ") + e.what());
    }
}

}  // namespace isapi::host
