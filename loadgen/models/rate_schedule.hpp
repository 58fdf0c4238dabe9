#pragma once
// A request rate over time, piecewise linear: a constant --rate is one flat
// segment, and --stages "10s:1000,20s:5000" ramps linearly from the previous
// rate to each stage's target over the stage's duration (the first stage
// ramps from --rate, or from 0). The open-loop model asks it when the n-th
// request of the run is due, so intended send times follow the curve exactly
// and never drift with how fast the server answers.
#include <cstdint>
#include <string_view>
#include <vector>

namespace isapi::loadgen {

class RateSchedule {
public:
    struct Segment {
        double start_s;
        double length_s;
        double from_rate;  // requests per second at start_s
        double to_rate;    // requests per second at start_s + length_s
    };

    static RateSchedule constant(double rate, double duration_s);
    // Throws std::invalid_argument naming the bad stage.
    static RateSchedule parse_stages(std::string_view stages, double initial_rate);

    double duration_s() const noexcept;
    // Requests due in [0, duration).
    double total() const noexcept;
    // The time in seconds at which `n` requests have become due (n >= 0).
    // Past the end it returns a time > duration_s().
    double time_of(double n) const noexcept;
    double rate_at(double t_s) const noexcept;
    const std::vector<Segment>& segments() const noexcept { return segments_; }

private:
    std::vector<Segment> segments_;
    std::vector<double> count_before_;  // requests due before each segment starts
};

}  // namespace isapi::loadgen
