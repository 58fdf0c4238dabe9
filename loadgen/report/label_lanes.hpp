#pragma once
// Lays out text labels for instants on a time axis so that none overlap:
// steps of a swap often come a millisecond apart, which on a chart of a
// minute is the same pixel. Greedy interval placement: labels in the order
// of their instants, each in the first lane (row) where it fits no more
// than `max_shift` pixels right of its instant, else in a new lane. The
// caller draws a leader line from each label to its instant.
#include <cstddef>
#include <vector>

namespace isapi::loadgen::svg {

struct LabelWanted {
    double anchor = 0;  // the instant's x
    double width = 0;   // the text's estimated width
};

struct LabelPlaced {
    double x = 0;  // the label's box is [x, x + width] in lane `lane`
    std::size_t lane = 0;
};

// One placement per wanted label, in the same order. Boxes stay within
// [left, right] when the widest fits; lanes are as many as needed.
std::vector<LabelPlaced> place_labels(const std::vector<LabelWanted>& wanted, double left, double right,
                                      double max_shift, double gap = 6);

// A text's width in pixels at the reports' 11 px sans-serif, estimated.
double text_width(std::size_t characters);

}  // namespace isapi::loadgen::svg
