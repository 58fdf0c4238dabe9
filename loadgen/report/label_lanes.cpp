#include "label_lanes.hpp"

#include <algorithm>
#include <numeric>

namespace isapi::loadgen::svg {

double text_width(std::size_t characters) { return 6.1 * static_cast<double>(characters) + 4; }

std::vector<LabelPlaced> place_labels(const std::vector<LabelWanted>& wanted, double left, double right,
                                      double max_shift, double gap) {
    std::vector<std::size_t> order(wanted.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return wanted[a].anchor < wanted[b].anchor; });
    std::vector<LabelPlaced> placed(wanted.size());
    std::vector<double> lane_end;  // the right edge of each lane's last box
    for (std::size_t i : order) {
        const double w = wanted[i].width;
        // Near the right edge a label starts left of its instant.
        const double preferred = std::max(left, std::min(wanted[i].anchor, right - w));
        std::size_t lane = 0;
        double x = preferred;
        for (; lane < lane_end.size(); ++lane) {
            x = std::max(preferred, lane_end[lane] + gap);
            if (x - preferred <= max_shift && x + w <= right) break;
        }
        if (lane == lane_end.size()) {
            lane_end.push_back(0);
            x = preferred;
        }
        lane_end[lane] = x + w;
        placed[i] = {x, lane};
    }
    return placed;
}

}  // namespace isapi::loadgen::svg
