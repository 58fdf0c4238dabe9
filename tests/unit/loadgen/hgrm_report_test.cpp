#include <catch2/catch.hpp>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "report/hgrm_report.hpp"
#include "stats/histogram.hpp"

using isapi::loadgen::Histogram;
using isapi::loadgen::hgrm_report;

namespace {

struct Line {
    double value_ms = 0;
    double percentile = 0;
    unsigned long long count = 0;
};

// The percentile lines as HdrHistogram's readers take them: "VALUE
// PERCENTILE TOTALCOUNT [1/(1-PERCENTILE)]" after the header, until "#[".
std::vector<Line> parse(const std::string& text) {
    std::vector<Line> lines;
    std::istringstream in(text);
    std::string row;
    while (std::getline(in, row)) {
        Line l;
        if (row.starts_with("#[")) break;
        if (std::sscanf(row.c_str(), "%lf %lf %llu", &l.value_ms, &l.percentile, &l.count) == 3) lines.push_back(l);
    }
    return lines;
}

}  // namespace

TEST_CASE("hgrm: HdrHistogram's header, percentile steps, 100 % line and footer", "[hgrm]") {
    Histogram h;
    for (std::uint64_t us = 1; us <= 10'000; ++us) h.record(us);  // 1 us .. 10 ms, once each
    const std::string text = hgrm_report(h);
    INFO(text);
    CHECK(text.starts_with("       Value     Percentile TotalCount 1/(1-Percentile)\n\n"));

    const auto lines = parse(text);
    REQUIRE(lines.size() > 20);
    // The first step is 0 % at the smallest value, then 10 % steps up to half,
    // five steps per halving of the distance to 100 % after that.
    CHECK(lines[0].percentile == 0.0);
    CHECK(lines[0].value_ms == Approx(0.001));
    CHECK(lines[1].percentile == Approx(0.1));
    CHECK(lines[5].percentile == Approx(0.5));
    CHECK(lines[6].percentile == Approx(0.55));
    CHECK(lines[10].percentile == Approx(0.75));
    CHECK(lines[11].percentile == Approx(0.775));
    // The median value holds half the count, within the bucket's precision.
    CHECK(lines[5].value_ms == Approx(5.0).epsilon(0.002));
    CHECK(lines[5].count == Approx(5000).epsilon(0.002));
    for (std::size_t i = 1; i < lines.size(); ++i) {
        INFO("line " << i);
        CHECK(lines[i].percentile > lines[i - 1].percentile);
        CHECK(lines[i].value_ms >= lines[i - 1].value_ms);
        CHECK(lines[i].count >= lines[i - 1].count);
    }
    // The last line: 100 %, the largest value, every count, no 1/(1-p) column.
    CHECK(lines.back().percentile == 1.0);
    CHECK(lines.back().value_ms == Approx(10.0));
    CHECK(lines.back().count == 10'000);
    CHECK(text.find("      10.000 1.000000000000      10000\n") != std::string::npos);

    CHECK(text.find("#[Mean    =        5.000, StdDeviation   =        2.887]\n") != std::string::npos);
    CHECK(text.find("#[Max     =       10.000, Total count    =        10000]\n") != std::string::npos);
    CHECK(text.find("#[Buckets = ") != std::string::npos);
}

TEST_CASE("hgrm: a single value and an empty histogram", "[hgrm]") {
    Histogram one;
    one.record(2500);
    const auto lines = parse(hgrm_report(one));
    REQUIRE(lines.size() == 2);  // 0 % and 100 %, both at the one value
    CHECK(lines[0].value_ms == Approx(2.5));
    CHECK(lines[1].percentile == 1.0);
    CHECK(lines[1].count == 1);

    const std::string empty = hgrm_report(Histogram{});
    CHECK(parse(empty).empty());
    CHECK(empty.find("Total count    =            0]") != std::string::npos);
}
