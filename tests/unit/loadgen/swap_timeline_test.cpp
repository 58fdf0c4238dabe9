// The swap timeline's step labels (laid out in lanes, never overlapping,
// every step labelled) and its panel zoomed on the swap window.
#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

#include "report/label_lanes.hpp"
#include "swap/swap_timeline.hpp"

using namespace isapi::loadgen;

namespace {

constexpr std::int64_t kMs = 1'000'000;

// A minute's run with a swap at 30 s whose 12 steps come 1 ms apart, and
// three failures inside the window.
SwapReport swap_with_close_steps() {
    SwapReport r;
    for (int i = 0; i < 12; ++i) r.trace.events.push_back({"step" + std::to_string(i), 30'000 * kMs + i * kMs, ""});
    r.trace.start_ns = 30'000 * kMs;
    r.trace.end_ns = 30'011 * kMs;
    r.trace.window_start_ns = 30'002 * kMs;
    r.trace.window_end_ns = 30'006 * kMs;
    r.measures.during_end_ns = 30'020 * kMs;
    for (std::int64_t t = 0; t < 60'000; t += 100)
        r.points.push_back({t * kMs, 500, t < 30'000 ? Answer::old_build : Answer::new_build, ""});
    for (std::int64_t t : {30'003, 30'004, 30'005}) r.points.push_back({t * kMs, 900, Answer::failed, "module_missing"});
    return r;
}

struct Box {
    double x0, x1, y;
    std::string text;
};

// The step labels of one <svg>: their text, where they start and their
// estimated width, as the layout estimated it.
std::vector<Box> step_label_boxes(const std::string& svg) {
    std::vector<Box> boxes;
    static const std::regex label("<g class=\"step\">.*?<text x=\"([0-9.]+)\" y=\"([0-9.]+)\">([^<]*)</text>");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), label); it != std::sregex_iterator(); ++it) {
        const double x = std::stod((*it)[1]);
        const std::string text = (*it)[3];
        boxes.push_back({x, x + svg::text_width(text.size()) - 4, std::stod((*it)[2]), text});
    }
    return boxes;
}

void check_no_overlap(const std::vector<Box>& boxes) {
    for (std::size_t i = 0; i < boxes.size(); ++i)
        for (std::size_t j = i + 1; j < boxes.size(); ++j) {
            if (boxes[i].y != boxes[j].y) continue;
            INFO(boxes[i].text << " and " << boxes[j].text);
            CHECK((boxes[i].x1 <= boxes[j].x0 || boxes[j].x1 <= boxes[i].x0));
        }
}

std::vector<std::string> svgs_of(const std::string& html) {
    std::vector<std::string> out;
    for (auto at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1))
        out.push_back(html.substr(at, html.find("</svg>", at) - at));
    return out;
}

}  // namespace

TEST_CASE("label lanes: labels for instants 1 ms apart never overlap and all get a place", "[swap_timeline]") {
    // 20 steps 1 ms apart on a minute drawn 920 px wide: all on one pixel.
    std::vector<svg::LabelWanted> wanted;
    for (int i = 0; i < 20; ++i) wanted.push_back({66 + 920 * (30'000.0 + i) / 60'000.0, svg::text_width(18)});
    const auto placed = svg::place_labels(wanted, 0, 1000, 160);
    REQUIRE(placed.size() == wanted.size());
    std::size_t lanes = 0;
    for (std::size_t i = 0; i < placed.size(); ++i) {
        lanes = std::max(lanes, placed[i].lane + 1);
        CHECK(placed[i].x >= wanted[i].anchor - 1e-9);  // right of its instant, not left
        CHECK(placed[i].x - wanted[i].anchor <= 160);
        CHECK(placed[i].x + wanted[i].width <= 1000);
        for (std::size_t j = 0; j < i; ++j) {
            if (placed[i].lane != placed[j].lane) continue;
            INFO("labels " << j << " and " << i << " in lane " << placed[i].lane);
            CHECK((placed[j].x + wanted[j].width <= placed[i].x || placed[i].x + wanted[i].width <= placed[j].x));
        }
    }
    // Sharing lanes: fewer lanes than labels.
    CHECK(lanes < wanted.size());
    // At the right edge a label moves left of its instant, still inside.
    const auto edge = svg::place_labels({{995, 80}}, 0, 1000, 160);
    CHECK(edge[0].x == Approx(920));
}

TEST_CASE("swap timeline: every step labelled without overlap, and a panel zoomed on the swap", "[swap_timeline]") {
    const SwapReport r = swap_with_close_steps();
    const std::string html = swap_timeline_html(r);
    const auto svgs = svgs_of(html);
    REQUIRE(svgs.size() == 2);
    CHECK(html.find("id=\"swap-zoom\"") != std::string::npos);
    for (const auto& svg : svgs) {
        const auto boxes = step_label_boxes(svg);
        CHECK(boxes.size() == 12);
        check_no_overlap(boxes);
    }
    // The zoom spans the swap with a margin: 29 995 ms to 30 025 ms.
    const SwapZoom z = swap_zoom(r);
    CHECK(z.shown);
    CHECK(z.begin_ns == 29'995 * kMs);
    CHECK(z.end_ns == 30'025 * kMs);
    // The zoomed panel draws the window's three failures (square marks)
    // and, of the 600 answered requests, only the one inside the zoom (at
    // 30 000 ms): four marks.
    const std::string& zoomed = svgs[1];
    CHECK(zoomed.find("stroke-linecap=\"square\"") != std::string::npos);
    const auto marks = [](const std::string& svg) {
        std::size_t n = 0;
        for (auto at = svg.find("h0"); at != std::string::npos; at = svg.find("h0", at + 1)) ++n;
        return n;
    };
    CHECK(marks(zoomed) == 4);
    CHECK(marks(svgs[0]) == 603);
}

TEST_CASE("swap timeline: no zoomed panel without a swap", "[swap_timeline]") {
    SwapReport r = swap_with_close_steps();
    r.trace = SwapTrace{};
    CHECK_FALSE(swap_zoom(r).shown);
    CHECK(svgs_of(swap_timeline_html(r)).size() == 1);
}
