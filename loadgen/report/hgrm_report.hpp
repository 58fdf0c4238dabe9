#pragma once
// The percentile distribution of a latency histogram in HdrHistogram's text
// format (its outputPercentileDistribution, what wrk2 prints as "Detailed
// Percentile spectrum"), so the HdrHistogram plotter and the tools that read
// .hgrm files take isapi-loadgen's runs as they take wrk2's: a header, one
// line per percentile step (value, percentile, count up to it,
// 1/(1-percentile)), five steps per halving of the distance to 100 %, then
// the 100 % line and the mean, deviation, max and count footer. Values are
// in milliseconds with three decimals (the histogram's microseconds).
#include <string>

#include "../stats/histogram.hpp"

namespace isapi::loadgen {

std::string hgrm_report(const Histogram& latency_us);

}  // namespace isapi::loadgen
