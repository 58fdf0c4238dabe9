#include <catch2/catch.hpp>

#include <stdexcept>

#include "race/race_runner.hpp"
#include "report/progress_output.hpp"

using namespace isapi::loadgen;

TEST_CASE("progress modes: auto, lines and off, --no-progress wins, anything else is refused", "[progress]") {
    CHECK(parse_progress_mode("auto") == ProgressMode::automatic);
    CHECK(parse_progress_mode("lines") == ProgressMode::lines);
    CHECK(parse_progress_mode("off") == ProgressMode::off);
    CHECK_FALSE(parse_progress_mode("Lines"));
    CHECK_FALSE(parse_progress_mode(""));
    CHECK(progress_mode_from("lines", false) == ProgressMode::lines);
    CHECK(progress_mode_from("lines", true) == ProgressMode::off);
    CHECK_THROWS_WITH(progress_mode_from("always", false), "unknown --progress 'always'; choose auto, lines or off");
}

TEST_CASE("progress output: lines print whatever stderr is, quiet and off print nothing", "[progress]") {
    using isapi::platform::StandardStream;
    CHECK(ProgressOutput(ProgressMode::lines, StandardStream::output).active());
    CHECK_FALSE(ProgressOutput(ProgressMode::lines, StandardStream::output, true).active());
    CHECK_FALSE(ProgressOutput(ProgressMode::off, StandardStream::output).active());
}

TEST_CASE("the race's progress line counts cycles, recycles, requests and findings", "[progress]") {
    RaceProgress p;
    p.elapsed_s = 12.2;
    p.cycles = 1234;
    p.recycles = 11;
    p.requests = 4567;
    p.findings = 1;
    CHECK(race_progress_line(p) == "[   12s] cycles 1234  recycles 11  requests 4567  findings 1");
}
