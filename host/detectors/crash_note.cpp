#include "crash_note.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace isapi::host {
namespace {

// The next tab-separated field of `line` (all the rest when `last`).
bool next_field(std::string_view& line, std::string_view& field, bool last = false) {
    const auto tab = last ? std::string_view::npos : line.find('\t');
    if (!last && tab == std::string_view::npos) return false;
    field = line.substr(0, tab);
    line = last ? std::string_view{} : line.substr(tab + 1);
    return true;
}

template <typename Number>
bool parse_number(std::string_view text, Number& value) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

std::vector<ecb::Finding> parse_crash_note(std::string_view text) {
    std::vector<ecb::Finding> findings;
    while (!text.empty()) {
        const auto newline = text.find('\n');
        if (newline == std::string_view::npos) break;  // cut short
        std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline + 1);
        std::string_view kind, module, generation, time, evidence;
        ecb::Finding f;
        std::int64_t ticks = 0;
        if (!next_field(line, kind) || !next_field(line, module) || !next_field(line, generation) ||
            !next_field(line, time) || !next_field(line, evidence, true) || kind.empty() ||
            !parse_number(generation, f.load_generation) || !parse_number(time, ticks))
            continue;
        f.kind = kind;
        f.module = module;
        f.time = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ticks));
        f.evidence = evidence;
        findings.push_back(std::move(f));
    }
    return findings;
}

std::vector<ecb::Finding> take_crash_note(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    std::ostringstream text;
    text << in.rdbuf();
    in.close();
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    return parse_crash_note(text.str());
}

}  // namespace isapi::host
