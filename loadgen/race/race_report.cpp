#include "race_report.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../report/markup.hpp"

namespace isapi::loadgen {
namespace {

// Quoted for a POSIX shell unless every character is harmless.
std::string shell_word(const std::string& word) {
    const bool plain = !word.empty() && word.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                               "0123456789_/.,:=+-@%") == std::string::npos;
    if (plain) return word;
    std::string quoted = "'";
    for (char ch : word) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return quoted + "'";
}

std::string seconds_text(double s) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f s", s);
    return text;
}

std::string file_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

// The modules a finding is about: the host names one file, or a worker's
// list of them ("a.so, b.so").
bool finding_names(const RaceFinding& f, const std::string& module_file) {
    const std::string name = file_name(module_file);
    std::size_t at = 0;
    while (at <= f.module.size()) {
        const std::size_t end = std::min(f.module.find(", ", at), f.module.size());
        if (f.module.compare(at, end - at, name) == 0) return true;
        at = end + 2;
    }
    return false;
}

}  // namespace

std::string race_duration_text(std::int64_t ns) {
    if (ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
    if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
    return std::to_string(ns / 1'000) + "us";
}

std::string race_repro_command(const RaceConfig& c, const std::string& executable) {
    std::vector<std::string> words{executable, "race"};
    for (const auto& m : c.modules) words.insert(words.end(), {"--module", m});
    words.insert(words.end(), {"--seed", std::to_string(c.seed), "--mode", std::string(to_string(c.mode))});
    if (c.cycles > 0) words.insert(words.end(), {"--cycles", std::to_string(c.cycles)});
    words.insert(words.end(), {"--duration", race_duration_text(c.duration_ns)});
    if (c.all) words.push_back("--all");
    words.insert(words.end(), {"--threads", std::to_string(c.threads), "--connections", std::to_string(c.connections),
                               "--timeout", race_duration_text(c.timeout_ns), "--recycle-every",
                               race_duration_text(c.recycle_every_ns)});
    std::string modes;
    for (const auto& m : c.recycle_modes) modes += (modes.empty() ? "" : ",") + m;
    if (!modes.empty()) words.insert(words.end(), {"--recycle-modes", modes});
    words.insert(words.end(), {"--jitter-max", race_duration_text(c.jitter_max_us * 1'000), "--hang-timeout",
                               race_duration_text(c.hang_timeout_ms * 1'000'000), "--shutdown-time-limit",
                               race_duration_text(c.shutdown_time_limit_ms * 1'000'000)});
    if (c.schedule != ChurnSchedule::phases) words.insert(words.end(), {"--schedule", std::string(to_string(c.schedule))});
    words.insert(words.end(), c.request_args.begin(), c.request_args.end());
    if (!c.host_exe.empty()) words.insert(words.end(), {"--host-exe", c.host_exe});
    // --host-arg=VALUE: a value that starts with "--" is not taken for an option.
    for (const auto& a : c.host_args) words.push_back("--host-arg=" + a);
    std::string line;
    // Appends, not operator+: GCC 12 warns (-Wrestrict) on "x" + string&& in release builds.
    for (const auto& w : words) {
        if (!line.empty()) line += ' ';
        line += shell_word(w);
    }
    return line;
}

std::string race_finding_text(const RaceFinding& f, std::size_t max_lines) {
    std::string text = "FINDING " + f.kind + " in " + (f.module.empty() ? "?" : f.module);
    if (f.load_generation > 0) text += " (load " + std::to_string(f.load_generation) + ")";
    text += " at " + seconds_text(f.time_s);
    if (f.source != "events") text += " [" + f.source + "]";
    std::istringstream lines(f.evidence);
    std::string line;
    std::getline(lines, line);
    text += ": " + line + "\n";
    std::size_t shown = 0, left = 0;
    while (std::getline(lines, line)) {
        if (shown < max_lines) {
            text += "    " + line + "\n";
            ++shown;
        } else {
            ++left;
        }
    }
    if (left > 0) text += "    (" + std::to_string(left) + " more line(s) of evidence in --json)\n";
    return text;
}

std::string race_text_summary(const RaceConfig& c, const RaceResult& r, const std::string& repro) {
    std::string t;
    for (const auto& n : r.notes) t += "note: " + n + "\n";
    std::map<std::string, int> by_kind;
    for (const auto& f : r.findings) ++by_kind[f.kind];
    t += "race: " + std::to_string(r.findings.size()) + " finding(s)";
    std::string kinds;
    for (const auto& [kind, n] : by_kind) kinds += (kinds.empty() ? "" : ", ") + kind + " " + std::to_string(n);
    if (!kinds.empty()) t += " (" + kinds + ")";
    t += " in " + seconds_text(r.duration_s) + " of churn, stopped by " + r.stopped_by + "\n";
    if (!r.sanitizer_reports.empty())
        t += "  and " + std::to_string(r.sanitizer_reports.size()) + " sanitizer report(s) (SANITIZER above; the "
             "full reports are in the host's output: --keep)\n";
    t += "  " + std::to_string(r.cycles) + " load/unload cycles (" + std::to_string(r.loads) + " loads), " +
         std::to_string(r.recycles) + " recycles, " + std::to_string(r.requests) + " requests (" +
         std::to_string(r.answered) + " answered, " + std::to_string(r.dropped) + " dropped)\n";
    t += "  " + std::to_string(c.modules.size()) + " module(s), " + std::string(to_string(c.mode)) + "; host " +
         r.host_exit + "\n";
    if (!r.work_dir.empty()) t += "  kept: " + r.work_dir + " (host.log is the host's output)\n";
    t += "seed: " + std::to_string(c.seed) + "\n";
    t += "repro: " + repro + "\n";
    return t;
}

namespace {

nlohmann::json text_or_null(const std::string& text) { return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text); }

}  // namespace

// Keys sorted (nlohmann::json), durations in microseconds, null for none:
// docs/schemas/race.schema.json.
std::string race_json_report(const RaceConfig& c, const RaceResult& r, const std::string& repro) {
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : r.findings)
        findings.push_back({{"kind", f.kind},
                            {"module", text_or_null(f.module)},
                            {"load_generation", f.load_generation},
                            {"time_us", f.time_s * 1e6},
                            {"evidence", f.evidence},
                            {"source", f.source}});
    nlohmann::json sanitizer = nlohmann::json::array();
    for (const auto& s : r.sanitizer_reports)
        sanitizer.push_back({{"tool", s.tool},
                             {"summary", s.summary},
                             {"module", text_or_null(s.module)},
                             {"pid", s.pid},
                             {"count", s.count},
                             {"excerpt", s.excerpt}});
    nlohmann::json modules = nlohmann::json::array();
    for (std::size_t i = 0; i < c.modules.size(); ++i)
        modules.push_back({{"file", c.modules[i]}, {"url", race_url_path(i)}});
    const nlohmann::json j{{"seed", c.seed},
                           {"repro", repro},
                           {"findings", findings},
                           {"sanitizer_reports", sanitizer},
                           {"cycles", r.cycles},
                           {"loads", r.loads},
                           {"recycles", r.recycles},
                           {"requests", r.requests},
                           {"answered", r.answered},
                           {"dropped", r.dropped},
                           {"duration_us", r.duration_s * 1e6},
                           {"stopped_by", r.stopped_by},
                           {"mode", std::string(to_string(c.mode))},
                           {"schedule", std::string(to_string(c.schedule))},
                           {"modules", modules},
                           {"host_exit", text_or_null(r.host_exit)},
                           {"notes", r.notes}};
    return j.dump(2) + "\n";
}

std::string race_junit_report(const RaceConfig& c, const RaceResult& r, const std::string& repro) {
    struct Case {
        std::string name;
        std::vector<const RaceFinding*> failures;
        std::vector<const SanitizerReport*> sanitizer;
    };
    std::vector<Case> cases;
    for (const auto& m : c.modules) cases.push_back({file_name(m), {}, {}});
    Case host{"host", {}, {}};
    std::size_t failures = 0;
    for (const auto& f : r.findings) {
        bool placed = false;
        for (std::size_t i = 0; i < c.modules.size(); ++i)
            if (finding_names(f, c.modules[i])) {
                cases[i].failures.push_back(&f);
                placed = true;
            }
        if (!placed) host.failures.push_back(&f);
    }
    for (const auto& s : r.sanitizer_reports) {
        auto k = std::find_if(cases.begin(), cases.end(), [&](const Case& each) { return each.name == s.module; });
        (k != cases.end() ? *k : host).sanitizer.push_back(&s);
    }
    if (!host.failures.empty() || !host.sanitizer.empty()) cases.push_back(host);
    for (const auto& k : cases) failures += !k.failures.empty() || !k.sanitizer.empty();

    char time[32];
    std::snprintf(time, sizeof time, "%.3f", r.duration_s);
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
    x += "  <testsuite name=\"isapi-loadgen race\" tests=\"" + std::to_string(cases.size()) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"0\" time=\"" + time + "\">\n";
    x += "    <properties>\n      <property name=\"seed\" value=\"" + std::to_string(c.seed) + "\"/>\n";
    x += "      <property name=\"repro\" value=\"" + markup_escape(repro) + "\"/>\n";
    x += "      <property name=\"cycles\" value=\"" + std::to_string(r.cycles) + "\"/>\n";
    x += "      <property name=\"requests\" value=\"" + std::to_string(r.requests) + "\"/>\n    </properties>\n";
    for (const auto& k : cases) {
        x += "    <testcase classname=\"isapi-loadgen.race\" name=\"" + markup_escape(k.name) + "\" time=\"" + time + "\"";
        if (k.failures.empty() && k.sanitizer.empty()) {
            x += "/>\n";
            continue;
        }
        x += ">\n";
        for (const auto* f : k.failures)
            x += "      <failure type=\"" + markup_escape(f->kind) + "\" message=\"" +
                 markup_escape(f->kind + " (load " + std::to_string(f->load_generation) + ")") + "\">" +
                 markup_escape(race_finding_text(*f, std::string::npos) + "repro: " + repro) + "</failure>\n";
        for (const auto* s : k.sanitizer)
            x += "      <failure type=\"" + markup_escape(s->tool) + "\" message=\"" + markup_escape(s->summary) +
                 "\">" + markup_escape(sanitizer_report_text(*s) + "repro: " + repro) + "</failure>\n";
        x += "    </testcase>\n";
    }
    x += "  </testsuite>\n</testsuites>\n";
    return x;
}

namespace {
// The finding kinds (docs/race-hunting.md).
constexpr std::string_view kFindingKinds[] = {
    "threads_outlive_terminate", "unloaded_code_executed", "entry_point_crash", "ecb_after_done", "double_done",
    "invalid_conn_id", "exception_escaped", "pending_at_unload", "hang", "leak_per_cycle", "unload_ineffective",
    "body_before_header", "bad_response_header", "body_past_content_length"};
}  // namespace

const char* const kRaceMetrics =
    "findings, cycles, loads, recycles, requests, answered, dropped, or a finding kind (how many of it: "
    "threads_outlive_terminate, hang, leak_per_cycle, ...)";

std::optional<double> race_metric(const std::string& metric, const RaceResult& r) {
    if (metric == "findings") return static_cast<double>(r.findings.size());
    if (metric == "cycles") return static_cast<double>(r.cycles);
    if (metric == "loads") return static_cast<double>(r.loads);
    if (metric == "recycles") return static_cast<double>(r.recycles);
    if (metric == "requests") return static_cast<double>(r.requests);
    if (metric == "answered") return static_cast<double>(r.answered);
    if (metric == "dropped") return static_cast<double>(r.dropped);
    // A kind counts the findings of that kind.
    if (std::find(std::begin(kFindingKinds), std::end(kFindingKinds), metric) == std::end(kFindingKinds))
        return std::nullopt;
    double count = 0;
    for (const auto& f : r.findings) count += f.kind == metric ? 1 : 0;
    return count;
}

}  // namespace isapi::loadgen
