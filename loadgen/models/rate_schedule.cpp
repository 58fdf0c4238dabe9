#include "rate_schedule.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "units.hpp"

namespace isapi::loadgen {
namespace {

double segment_count(const RateSchedule::Segment& s) {
    return (s.from_rate + s.to_rate) / 2.0 * s.length_s;
}

// Solves n = r0*t + (r1-r0)/(2L)*t^2 for t within one segment.
double solve_in_segment(const RateSchedule::Segment& s, double n) {
    if (n <= 0) return 0;
    const double a = (s.to_rate - s.from_rate) / (2.0 * s.length_s);
    const double b = s.from_rate;
    if (std::abs(a) < 1e-12) return b > 0 ? n / b : INFINITY;
    const double disc = b * b + 4.0 * a * n;
    if (disc < 0) return INFINITY;
    // Numerically stable form of (-b + sqrt(disc)) / (2a).
    return 2.0 * n / (b + std::sqrt(disc));
}

}  // namespace

RateSchedule RateSchedule::constant(double rate, double duration_s) {
    if (!(rate > 0)) throw std::invalid_argument("--rate must be greater than 0");
    RateSchedule r;
    r.segments_.push_back({0.0, duration_s, rate, rate});
    r.count_before_.push_back(0.0);
    return r;
}

RateSchedule RateSchedule::parse_stages(std::string_view stages, double initial_rate) {
    RateSchedule r;
    double t = 0, rate = initial_rate, before = 0;
    while (!stages.empty()) {
        const auto comma = stages.find(',');
        const std::string_view item = stages.substr(0, comma);
        stages = comma == std::string_view::npos ? std::string_view{} : stages.substr(comma + 1);
        const auto colon = item.find(':');
        if (colon == std::string_view::npos)
            throw std::invalid_argument("stage '" + std::string(item) + "' is not DURATION:RATE (e.g. 10s:1000)");
        const double length = static_cast<double>(parse_duration_ns(item.substr(0, colon))) / 1e9;
        double target = 0;
        try {
            target = std::stod(std::string(item.substr(colon + 1)));
        } catch (const std::exception&) {
            throw std::invalid_argument("stage '" + std::string(item) + "' has no numeric rate");
        }
        if (length <= 0 || target < 0)
            throw std::invalid_argument("stage '" + std::string(item) + "' needs a positive duration and rate");
        Segment s{t, length, rate, target};
        r.segments_.push_back(s);
        r.count_before_.push_back(before);
        before += segment_count(s);
        t += length;
        rate = target;
    }
    if (r.segments_.empty()) throw std::invalid_argument("--stages is empty");
    return r;
}

double RateSchedule::duration_s() const noexcept {
    const auto& last = segments_.back();
    return last.start_s + last.length_s;
}

double RateSchedule::total() const noexcept {
    return count_before_.back() + segment_count(segments_.back());
}

double RateSchedule::time_of(double n) const noexcept {
    for (std::size_t i = 0; i < segments_.size(); ++i) {
        const double in_segment = segment_count(segments_[i]);
        const double left = n - count_before_[i];
        if (left < in_segment || i + 1 == segments_.size()) {
            if (left >= in_segment) {
                // Past the end: extrapolate at the final rate.
                const double r = segments_[i].to_rate;
                return duration_s() + (r > 0 ? (left - in_segment) / r : 1.0);
            }
            return segments_[i].start_s + solve_in_segment(segments_[i], left);
        }
    }
    return INFINITY;
}

double RateSchedule::rate_at(double t_s) const noexcept {
    for (const auto& s : segments_) {
        if (t_s < s.start_s + s.length_s)
            return s.from_rate + (s.to_rate - s.from_rate) * (t_s - s.start_s) / s.length_s;
    }
    return segments_.back().to_rate;
}

}  // namespace isapi::loadgen
