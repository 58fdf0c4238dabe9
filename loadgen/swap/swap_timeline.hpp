#pragma once
// The timeline part of a swap run's HTML page: the inline SVG of requests
// over time (coloured by build and failure class, with the swap's steps and
// the rename window) and its legend, then the same zoomed on the swap.
#include <cstdint>
#include <string>

#include "swap_report.hpp"

namespace isapi::loadgen {

// The run's timeline, its legend, and a second panel zoomed on the swap.
std::string swap_timeline_html(const SwapReport& r);

// The zoomed panel's span: from the first step less a margin to the last
// step, the end of the rename window or of the "during" phase (the first
// answer of the new build), whichever is latest, plus the margin (a fifth
// of the span, at least 5 ms). Not shown when no step ran.
struct SwapZoom {
    bool shown = false;
    std::int64_t begin_ns = 0;
    std::int64_t end_ns = 0;
};
SwapZoom swap_zoom(const SwapReport& r);

}  // namespace isapi::loadgen
