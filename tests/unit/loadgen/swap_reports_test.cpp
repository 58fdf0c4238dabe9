// The swap's HTML report and the swap-bench reports (text table, JSON,
// comparison page), from runs built by hand (no sockets, no files).
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "swap/bench_html.hpp"
#include "sample_swap_report.hpp"
#include "swap/swap_report.hpp"

using namespace isapi::loadgen;

namespace {

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

// Everything that would make a browser fetch something: a src or href that
// is not an anchor on the page, a linked style sheet, an @import, a url().
std::vector<std::string> external_references(const std::string& page) {
    std::vector<std::string> found;
    for (const std::string what : {"src=", "<link", "@import", "url(", "href="}) {
        for (auto at = page.find(what); at != std::string::npos; at = page.find(what, at + 1)) {
            if (what == "href=" && page.compare(at + 5, 2, "\"#") == 0) continue;
            found.push_back(page.substr(at, 60));
        }
    }
    return found;
}

// Every element that opens is closed, for the tags the pages nest.
void check_balanced(const std::string& page) {
    for (const std::string tag : {"svg", "g", "table", "tr", "text", "title", "div", "h1", "h2", "p", "code"}) {
        INFO("tag <" << tag << ">");
        CHECK(occurrences(page, "<" + tag + ">") + occurrences(page, "<" + tag + " ") ==
              occurrences(page, "</" + tag + ">"));
    }
}

BenchCell cell(std::string strategy, std::string mode, std::string recycle, std::vector<std::uint64_t> dropped,
               std::vector<double> window_us, std::vector<double> switchover_ms, std::vector<double> p99_us,
               std::vector<bool> failed = {}) {
    BenchCell c{std::move(strategy), std::move(mode), std::move(recycle), {}, std::move(failed), ""};
    for (std::size_t i = 0; i < dropped.size(); ++i) {
        SwapMeasures m;
        m.dropped = dropped[i];
        m.window_us = window_us[i];
        m.switchover_ms = switchover_ms[i];
        m.answered_new = switchover_ms[i] < 0 ? 0 : 100;  // it switched over: the new build answered
        m.during.p99_us = p99_us[i];
        c.runs.push_back(m);
    }
    if (c.run_failed.empty()) c.run_failed.assign(dropped.size(), false);
    return c;
}

std::vector<BenchCell> sample_cells() {
    std::vector<BenchCell> cells;
    cells.push_back(cell("rename-copy", "uncached", "immediate", {0, 10, 3}, {0, 1500, 1000}, {50, -1, 70},
                         {100, 300, 200}, {false, true, false}));
    cells.push_back(cell("exchange", "uncached", "overlapped", {0, 0, 0}, {0, 0, 0}, {40, 42, 41}, {90, 80, 85}));
    BenchCell unsupported{"shadow", "cached", "watch", {}, {}, "shadow <unsupported> here"};
    cells.push_back(unsupported);
    return cells;
}

}  // namespace

TEST_CASE("the swap's HTML report is one page that fetches nothing", "[swap][html]") {
    const std::string page = swap_html_report(sample_swap_report());
    CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(page.find("</html>") != std::string::npos);
    CHECK(page.find("<style>") != std::string::npos);
    CHECK(external_references(page).empty());
    CHECK(page.find("<script") == std::string::npos);  // readable without script: none is used
    CHECK(page.find("nan") == std::string::npos);
    CHECK(page.find("inf") == std::string::npos);
    check_balanced(page);
}

TEST_CASE("the swap's HTML report escapes paths, targets and errors", "[swap][html]") {
    SwapReport r = sample_swap_report();
    r.trace.failed = true;
    r.trace.rolled_back = true;
    r.trace.error = "copy failed: <disk full> & \"quota\"";
    r.trace.events.push_back({"rollback", 1090'000'000, "<restored> app.so"});
    const std::string page = swap_html_report(r);
    CHECK(page.find("<script>alert") == std::string::npos);
    CHECK(page.find("/srv/&lt;script&gt;alert(1)&lt;/script&gt;/app.so") != std::string::npos);
    CHECK(page.find("http://127.0.0.1:8080/app.so?x=1&amp;y=2") != std::string::npos);
    CHECK(page.find("copy failed: &lt;disk full&gt; &amp; &quot;quota&quot;") != std::string::npos);
    CHECK(page.find("&lt;restored&gt; app.so") != std::string::npos);
    CHECK(page.find("<disk full>") == std::string::npos);
    CHECK(page.find("Rolled back to the old build") != std::string::npos);
    check_balanced(page);
}

TEST_CASE("the timeline marks every swap step, the window, and each request", "[swap][html]") {
    const SwapReport r = sample_swap_report();
    const std::string whole = swap_html_report(r);
    // The whole run's panel; the zoomed one after it draws the swap's part
    // again (swap_timeline_test.cpp checks that one).
    const std::string page = whole.substr(0, whole.find("id=\"swap-zoom\""));
    REQUIRE(page.size() < whole.size());
    CHECK(occurrences(page, "<g class=\"step\">") == r.trace.events.size());
    for (const auto& e : r.trace.events) {
        INFO(e.name);
        CHECK(page.find(">" + e.name + " ") != std::string::npos);  // the marker's label: name and time
    }
    CHECK(page.find(">rename 1000.0ms</text>") != std::string::npos);
    CHECK(page.find("<title>rename window: the live path held no complete module for 50.00ms</title>") !=
          std::string::npos);
    // Each drawn request is one zero-length stroke.
    CHECK(occurrences(page, "h0") == r.points.size());
    // The stacked bars: one rect per non-empty build/failure segment of a bucket (40 old-or-new, one failed).
    CHECK(occurrences(page, "fill=\"#a50f15\"/>") == 1);
    CHECK(page.find("old 100, new 0, other 0, failed 10, max latency 60.00ms") != std::string::npos);
    // The short hashes of both builds head the page.
    CHECK(page.find("<code>3f2a9c1b7d04</code> &rarr; new build <code>9e8d7c6b5a41</code>") != std::string::npos);
}

TEST_CASE("the legend names each failure class present, and only those", "[swap][html]") {
    const std::string page = swap_html_report(sample_swap_report());
    CHECK(page.find("failed: module_missing (7)") != std::string::npos);
    CHECK(page.find("failed: module_unloadable (3)") != std::string::npos);
    CHECK(page.find("failed: reset (1)") != std::string::npos);
    CHECK(page.find("failed: worker_lost") == std::string::npos);
    CHECK(page.find("other build (0)") != std::string::npos);
    // Distinct classes get distinct colours.
    CHECK(page.find("background:#e45756\"></i>failed: module_missing") != std::string::npos);
    CHECK(page.find("background:#f58518\"></i>failed: module_unloadable") != std::string::npos);
}

TEST_CASE("the swap's summary table holds every measure and the expectations", "[swap][html]") {
    const std::string page = swap_html_report(sample_swap_report());
    for (const char* key : {"sent", "answered_old", "answered_new", "answered_other", "dropped", "window_us",
                            "implied_window_us", "outage_us", "switchover_us", "overlap_us", "rate_before_per_s",
                            "min_rate_during_per_s", "dip_percent", "rolled_back"}) {
        INFO(key);
        CHECK(page.find(std::string("<code>") + key + "</code>") != std::string::npos);
    }
    CHECK(page.find("<code>module_missing</code></td><td class=\"n bad\">7</td>") != std::string::npos);
    CHECK(page.find("<td class=\"n bad\">10</td>") != std::string::npos);  // dropped
    CHECK(page.find("<tr><td>during</td><td class=\"n\">150</td><td class=\"n\">900us</td><td class=\"n\">45.00ms</td>"
                    "<td class=\"n\">60.00ms</td></tr>") != std::string::npos);
    CHECK(page.find("<code>dropped=0</code></td><td class=\"n\">10</td><td class=\"bad\">unmet</td>") !=
          std::string::npos);
    CHECK(page.find("200 KiB/s") != std::string::npos);
    CHECK(page.find("badge fail\">FAIL") != std::string::npos);
}

TEST_CASE("a run that met its expectations shows PASS", "[swap][html]") {
    SwapReport r = sample_swap_report();
    r.expectations.front().met = true;
    const std::string page = swap_html_report(r);
    CHECK(page.find("badge pass\">PASS") != std::string::npos);
    CHECK(page.find("FAIL") == std::string::npos);
}

TEST_CASE("without --expect and without a failed step, the page shows the measures and no verdict", "[swap][html]") {
    SwapReport r = sample_swap_report();
    r.expectations.clear();
    const std::string page = swap_html_report(r);
    CHECK(page.find("badge measured") != std::string::npos);
    CHECK(page.find("MEASURED") != std::string::npos);
    CHECK(page.find("PASS") == std::string::npos);
    CHECK(page.find("badge fail") == std::string::npos);
    r.trace.failed = true;
    CHECK(swap_html_report(r).find("badge fail\">FAIL") != std::string::npos);
}

TEST_CASE("a long run's bars are merged to stay wider than a hair", "[swap][html]") {
    SwapReport r;
    r.measures.bucket_ns = 50'000'000;
    for (std::int64_t i = 0; i < 10'000; ++i) {  // 500 s
        TimelineBucket b;
        b.start_ns = i * r.measures.bucket_ns;
        b.old_build = 1;
        b.max_latency_us = 1000;
        r.measures.timeline.push_back(b);
    }
    const std::string page = swap_html_report(r);
    const auto bars = occurrences(page, "<g><title>");
    CHECK(bars >= 300);
    CHECK(bars <= 500);
    CHECK(page.find("0ms: old 1,") == std::string::npos);  // no bar holds a single bucket
    CHECK(page.size() < 200'000);
}

TEST_CASE("an empty swap report still renders a whole page", "[swap][html]") {
    const std::string page = swap_html_report(SwapReport{});
    CHECK(page.find("no requests recorded") != std::string::npos);
    CHECK(page.find("The swap recorded no steps.") != std::string::npos);
    CHECK(page.find("nan") == std::string::npos);
    CHECK(page.find("inf") == std::string::npos);
    CHECK(external_references(page).empty());
    check_balanced(page);
}

TEST_CASE("a bench cell summarizes its runs by median and worst", "[swap][bench]") {
    const auto cells = sample_cells();
    const BenchCellSummary a = summarize(cells[0]);
    CHECK(a.runs == 3);
    CHECK(a.failed_runs == 1);
    CHECK(a.median_dropped == 3);
    CHECK(a.max_dropped == 10);
    CHECK(a.median_window_us == 1000);
    CHECK(a.median_switchover_ms == 70);  // "never" sorts after every time
    CHECK(a.median_p99_during_us == 200);

    const BenchCellSummary even = summarize(cell("replace", "cached", "none", {1, 2}, {10, 30}, {40, 60}, {5, 7}));
    CHECK(even.median_dropped == 1.5);
    CHECK(even.max_dropped == 2);
    CHECK(even.median_window_us == 20);
    CHECK(even.median_switchover_ms == 50);
    CHECK(even.median_p99_during_us == 6);
    CHECK(even.failed_runs == 0);

    CHECK(summarize(cell("replace", "cached", "none", {0, 0}, {0, 0}, {40, -1}, {5, 5})).median_switchover_ms == -1);

    const BenchCellSummary none = summarize(cells[2]);
    CHECK(none.runs == 0);
    CHECK(none.median_switchover_ms == -1);
    CHECK(none.max_dropped == 0);
}

TEST_CASE("the bench text table has a heading and one aligned row per cell", "[swap][bench]") {
    const auto cells = sample_cells();
    const std::string table = bench_text_table(cells);
    std::istringstream in(table);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    REQUIRE(lines.size() == cells.size() + 1);
    const auto mode_column = lines[0].find("mode");
    REQUIRE(mode_column != std::string::npos);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        INFO(lines[i + 1]);
        CHECK(lines[i + 1].rfind(cells[i].strategy, 0) == 0);
        CHECK(lines[i + 1].find(cells[i].mode) == mode_column);
    }
    CHECK(lines[1].find("1.00ms") != std::string::npos);  // the median window
    CHECK(lines[1].find("70.0ms") != std::string::npos);  // the median switchover
    CHECK(lines[3].find(" - ") != std::string::npos);     // a cell that never ran
    CHECK(lines[3].find("shadow <unsupported> here") != std::string::npos);
}

TEST_CASE("the bench JSON parses and holds each cell's summary", "[swap][bench]") {
    const auto cells = sample_cells();
    const auto doc = nlohmann::json::parse(bench_json_report(cells));
    REQUIRE(doc.at("cells").size() == cells.size());
    for (const auto& c : doc.at("cells"))
        for (const char* key : {"strategy", "mode", "recycle", "runs", "failed_runs", "median_dropped", "max_dropped",
                                "median_window_us", "median_switchover_us", "median_p99_during_us", "note"}) {
            INFO(key);
            CHECK(c.contains(key));
        }
    const auto& first = doc["cells"][0];
    CHECK(first["strategy"] == "rename-copy");
    CHECK(first["runs"] == 3);
    CHECK(first["failed_runs"] == 1);
    CHECK(first["median_dropped"] == 3.0);
    CHECK(first["max_dropped"] == 10.0);
    CHECK(first["median_switchover_us"] == 70'000.0);
    CHECK(first["dropped_per_run"] == nlohmann::json::array({0, 10, 3}));
    CHECK(doc["cells"][2]["note"] == "shadow <unsupported> here");
    CHECK(doc["cells"][2]["median_switchover_us"].is_null());  // never switched over
    CHECK(first["note"].is_null());
}

TEST_CASE("the bench page groups by mode, ranks the cells and names the one to use", "[swap][bench][html]") {
    const auto cells = sample_cells();
    const std::string page = bench_html_report(cells, "swap-bench <script>x</script>");
    CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(external_references(page).empty());
    CHECK(page.find("<script>x") == std::string::npos);
    CHECK(page.find("<h1>swap-bench &lt;script&gt;x&lt;/script&gt;</h1>") != std::string::npos);
    CHECK(page.find("shadow &lt;unsupported&gt; here") != std::string::npos);
    check_balanced(page);

    const auto uncached = page.find("<h2>Mode: uncached</h2>");
    const auto cached = page.find("<h2>Mode: cached</h2>");
    REQUIRE(uncached != std::string::npos);
    REQUIRE(cached != std::string::npos);
    CHECK(uncached < cached);  // modes in the order the matrix gave them
    // Within the mode the cell that dropped nothing comes first.
    const auto exchange_row = page.find("data-v=\"exchange\"", uncached);
    const auto rename_row = page.find("data-v=\"rename-copy\"", uncached);
    CHECK(exchange_row < rename_row);
    CHECK(rename_row < cached);

    CHECK(page.find("use <b>exchange + overlapped recycle</b>: 0 dropped in all 3 runs") != std::string::npos);
    CHECK(page.find("<b>cached:</b> no cell ran.") != std::string::npos);
    // Colour cues: 0 dropped green, any drop red.
    CHECK(page.find("class=\"n good\" data-v=\"0.000\">0</td>") != std::string::npos);
    CHECK(page.find("class=\"n bad\" data-v=\"10.000\">10</td>") != std::string::npos);
    CHECK(page.find("class=\"n bad\" data-v=\"1\">1</td>") != std::string::npos);  // one failed run
    // The legend explains the columns; the chart has a bar for each cell that dropped some.
    CHECK(page.find("What the columns mean") != std::string::npos);
    CHECK(page.find("aria-label=\"median dropped requests per cell\"") != std::string::npos);
    CHECK(occurrences(page, "fill=\"#d9534f\"") == 1);
    CHECK(page.find(">3 (max 10)</text>") != std::string::npos);
}

TEST_CASE("a bench cell whose new build never answered cannot win, and the page says why each cell lost", "[swap][bench][html]") {
    std::vector<BenchCell> cells;
    // Drops nothing because it never deploys (no recycle in cached mode).
    cells.push_back(cell("rename-rename", "cached", "none", {0, 0, 0}, {300, 320, 310}, {-1, -1, -1}, {50, 50, 50}));
    cells.push_back(cell("replace", "cached", "overlapped", {0, 0, 0}, {0, 0, 0}, {30, 32, 31}, {60, 65, 62}));
    cells.push_back(cell("rename-copy", "cached", "immediate", {4, 6, 5}, {900, 950, 920}, {40, 41, 42}, {80, 90, 85}));
    CHECK(summarize(cells[0]).runs_without_new_build == 3);
    CHECK(summarize(cells[1]).runs_without_new_build == 0);

    const std::string page = bench_html_report(cells, "swap-bench");
    CHECK(page.find("use <b>replace + overlapped recycle</b>") != std::string::npos);
    CHECK(page.find("use <b>rename-rename") == std::string::npos);
    CHECK(page.find("the new build never answered in 3 of 3 runs") != std::string::npos);
    CHECK(page.find("dropped more (max 6, median 5)") != std::string::npos);
    const auto replace_row = page.find("data-v=\"replace\"");
    CHECK(replace_row < page.find("data-v=\"rename-copy\""));
    CHECK(page.find("data-v=\"rename-copy\"") < page.find("data-v=\"rename-rename\""));

    // When no cell deploys in every run, nothing is recommended.
    const std::string none = bench_html_report({cells[0]}, "swap-bench");
    CHECK(none.find("no combination served the new build in every run") != std::string::npos);
    CHECK(none.find("use <b>") == std::string::npos);
    CHECK(nlohmann::json::parse(bench_json_report({cells[0]}))["cells"][0]["runs_without_new_build"] == 3);
}

TEST_CASE("the swap reports list a mix's worst URLs: text, JSON and page", "[swap]") {
    const SwapReport r = sample_swap_report();
    REQUIRE(r.measures.urls.size() == 2);
    const std::string text = swap_text_report(r);
    const auto worst = text.find("POST /app.so/orders   sent 1000");
    CHECK(worst != std::string::npos);
    CHECK(worst < text.find("GET /app.so/status   sent 3000"));
    const auto json = nlohmann::json::parse(swap_json_report(r));
    REQUIRE(json["swap"]["urls"].size() == 2);
    CHECK(json["swap"]["urls"][0]["url"] == "POST /app.so/orders");
    CHECK(json["swap"]["urls"][0]["dropped_by_class"]["module_unloadable"] == 3);
    const std::string page = swap_html_report(r);
    CHECK(page.find("Worst URLs") != std::string::npos);
    CHECK(page.find("<code>GET /app.so/status</code>") != std::string::npos);
}

TEST_CASE("a swap of one URL has no URL table", "[swap]") {
    SwapReport r = sample_swap_report();
    r.measures.urls.clear();
    CHECK(swap_text_report(r).find("worst URLs") == std::string::npos);
    CHECK(nlohmann::json::parse(swap_json_report(r))["swap"]["urls"].empty());
    CHECK(swap_html_report(r).find("Worst URLs") == std::string::npos);
}
