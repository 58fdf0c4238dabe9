#include "units.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace isapi::loadgen {

std::int64_t parse_duration_ns(std::string_view text, std::int64_t bare_unit_ns) {
    const std::string s(text);
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(s, &used);
    } catch (const std::exception&) {
        throw std::invalid_argument("not a duration: '" + s + "' (try 500ms, 10s, 2m)");
    }
    const std::string_view unit = text.substr(used);
    double scale = 0;
    if (unit.empty()) scale = static_cast<double>(bare_unit_ns);
    else if (unit == "ns") scale = 1;
    else if (unit == "us" || unit == "µs") scale = 1e3;
    else if (unit == "ms") scale = 1e6;
    else if (unit == "s") scale = 1e9;
    else if (unit == "m" || unit == "min") scale = 60e9;
    else if (unit == "h") scale = 3600e9;
    else throw std::invalid_argument("unknown unit in duration '" + s + "' (use us, ms, s, m or h)");
    if (!(value >= 0) || !std::isfinite(value))
        throw std::invalid_argument("a duration must be positive: '" + s + "'");
    return static_cast<std::int64_t>(std::llround(value * scale));
}

std::string format_duration_us(double us) {
    char buf[32];
    if (us < 1000) std::snprintf(buf, sizeof buf, "%.0fus", us);
    else if (us < 1e6) std::snprintf(buf, sizeof buf, "%.2fms", us / 1e3);
    else std::snprintf(buf, sizeof buf, "%.2fs", us / 1e6);
    return buf;
}

std::uint64_t parse_byte_rate(const std::string& text) {
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    std::string unit = text.substr(used);
    if (unit.size() >= 2 && unit.compare(unit.size() - 2, 2, "/s") == 0) unit.resize(unit.size() - 2);
    double scale = 0;
    if (unit.empty() || unit == "B") scale = 1;
    else if (unit == "KiB") scale = 1024;
    else if (unit == "MiB") scale = 1024.0 * 1024;
    else if (unit == "GiB") scale = 1024.0 * 1024 * 1024;
    else if (unit == "KB" || unit == "kB") scale = 1e3;
    else if (unit == "MB") scale = 1e6;
    if (used == 0 || scale == 0 || !(value > 0) || !std::isfinite(value))
        throw std::invalid_argument("'" + text + "' is not a byte rate (e.g. 200KiB/s, 2MiB/s, 500000)");
    return static_cast<std::uint64_t>(value * scale);
}

}  // namespace isapi::loadgen
