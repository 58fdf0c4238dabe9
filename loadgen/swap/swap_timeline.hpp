#pragma once
// The timeline part of a swap run's HTML page: the inline SVG of requests
// over time (coloured by build and failure class, with the swap's steps and
// the rename window) and its legend.
#include <string>

#include "swap_report.hpp"

namespace isapi::loadgen {

std::string swap_timeline_html(const SwapReport& r);

}  // namespace isapi::loadgen
