#include "progress_line.hpp"

#include <cstdio>

#include "../models/units.hpp"

namespace isapi::loadgen {

std::string progress_line(const Progress& p) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "[%5.0fs] %9.0f req/s  sent %llu  answered %llu  errors %llu  p99 %s",
                  p.elapsed_s, p.rate, static_cast<unsigned long long>(p.sent),
                  static_cast<unsigned long long>(p.answered), static_cast<unsigned long long>(p.errors),
                  format_duration_us(static_cast<double>(p.window_p99_us)).c_str());
    return buf;
}

ProgressFn progress_to(ProgressOutput& shown) {
    if (!shown.active()) return {};
    return [&shown](const Progress& p) { shown.show(progress_line(p)); };
}

}  // namespace isapi::loadgen
