#pragma once
// The reports of `isapi-loadgen swap-bench`: the matrix of
// strategies x cached/uncached x recycle policies, each cell repeated, told
// as an aligned text table, JSON, and one self-contained HTML page that
// answers "which way of deploying should I use?".
#include <cstddef>
#include <string>
#include <vector>

#include "swap_analysis.hpp"

namespace isapi::loadgen {

struct BenchCell {  // one strategy x mode x recycle combination
    std::string strategy, mode, recycle;
    std::vector<SwapMeasures> runs;  // one per repetition
    std::vector<bool> run_failed;    // a step failed / rolled back, per repetition
    std::string note;                // e.g. "exchange unsupported here"
};

// Per-cell summary used by the text table, JSON and HTML: median and max
// dropped, median window_us, median switchover_ms (-1 = never), median p99
// during the swap (us), and how many runs failed. A run that never switched
// over counts as later than any that did, so the median is -1 when at least
// half of the runs never switched over.
struct BenchCellSummary {
    double median_dropped = 0, max_dropped = 0, median_window_us = 0, median_switchover_ms = -1,
           median_p99_during_us = 0;
    std::size_t runs = 0, failed_runs = 0;
    std::size_t runs_without_new_build = 0;  // the new build never answered: the cell did not deploy
};
BenchCellSummary summarize(const BenchCell& cell);

std::string bench_html_report(const std::vector<BenchCell>& cells, const std::string& title);
std::string bench_text_table(const std::vector<BenchCell>& cells);  // aligned columns, one row per cell
// {"cells":[{strategy,mode,recycle,runs,failed_runs,runs_without_new_build,median_dropped,max_dropped,median_window_us,
//            median_switchover_us,median_p99_during_us,note,dropped_per_run}]}: docs/schemas/swap-bench.schema.json
std::string bench_json_report(const std::vector<BenchCell>& cells);

}  // namespace isapi::loadgen
