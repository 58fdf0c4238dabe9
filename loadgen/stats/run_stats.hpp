#pragma once
// The counters one worker thread keeps without locks, merged after join
// (the wrk way). Latency is recorded only for answered requests: corrected
// from the intended send time, uncorrected from the moment it was written.
#include <array>
#include <cstdint>
#include <string_view>

#include "build_counts.hpp"
#include "error_class.hpp"
#include "histogram.hpp"
#include "request_record.hpp"
#include "time_series.hpp"

namespace isapi::loadgen {

class RunStats {
public:
    // Books one finished request; `build` is its X-Isapi-Build value, empty
    // when it had none.
    void add(const RequestRecord& r, std::string_view build);

    void merge(const RunStats& other);

    std::uint64_t sent() const noexcept { return sent_; }
    std::uint64_t answered() const noexcept { return answered_; }
    std::uint64_t dropped() const noexcept { return sent_ - answered_; }
    std::uint64_t count(ErrorClass c) const noexcept { return by_class_[static_cast<std::size_t>(c)]; }
    // Every request that did not end `ok`.
    std::uint64_t errors() const noexcept { return sent_ - count(ErrorClass::ok); }
    std::uint64_t bytes() const noexcept { return bytes_; }
    // When the last request was written, in ns since the start (0 if none was).
    std::int64_t last_sent_ns() const noexcept { return last_sent_ns_; }
    const Histogram& corrected() const noexcept { return corrected_; }
    const Histogram& uncorrected() const noexcept { return uncorrected_; }
    // Answered responses per build, bounded however many loads answered.
    const BuildCounts& builds() const noexcept { return builds_; }
    // Ended requests, errors and latency per time bucket (the HTML charts).
    const TimeSeries& over_time() const noexcept { return over_time_; }

private:
    std::uint64_t sent_ = 0;
    std::uint64_t answered_ = 0;
    std::uint64_t bytes_ = 0;
    std::int64_t last_sent_ns_ = 0;
    std::array<std::uint64_t, kClassCount> by_class_{};
    Histogram corrected_;
    Histogram uncorrected_;
    BuildCounts builds_;
    TimeSeries over_time_;
};

}  // namespace isapi::loadgen
