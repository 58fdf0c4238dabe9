// The swap-bench reports: per-cell medians, the aligned text table, the JSON
// and the comparison page. The page ranks the cells of each mode (fewest
// failed runs, then fewest dropped, then the lowest p99 during the swap),
// names the best one, and draws the median dropped per cell as bars.
#include "bench_html.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "../models/units.hpp"
#include "html_util.hpp"

namespace isapi::loadgen {
namespace {

using html::coord;

constexpr double kNever = std::numeric_limits<double>::infinity();

double median_of(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string switchover_text(double ms) { return ms < 0 ? "never" : html::fixed(ms, ms < 10 ? 2 : 1) + "ms"; }

struct Summarized {
    const BenchCell* cell;
    BenchCellSummary s;
};

// Better cells first: ones that ran, ones whose new build answered in every
// run (a cell that never deploys drops nothing, and must not win for it),
// then the fewest failed runs, the fewest dropped (worst run, then median),
// the lowest p99 during the swap, the earliest switchover.
auto rank_key(const Summarized& c) {
    return std::make_tuple(c.s.runs == 0, c.s.runs_without_new_build > 0, c.s.failed_runs, c.s.max_dropped,
                           c.s.median_dropped, c.s.median_p99_during_us,
                           c.s.median_switchover_ms < 0 ? kNever : c.s.median_switchover_ms);
}

bool flawless(const BenchCellSummary& s) {
    return s.runs > 0 && s.runs_without_new_build == 0 && s.failed_runs == 0 && s.max_dropped == 0;
}

// Why `c` ranks below `best`: the first measure of the ranking that differs.
std::string why_lost(const BenchCellSummary& c, const BenchCellSummary& best) {
    if (c.runs == 0) return "did not run";
    if (c.runs_without_new_build > 0)
        return "the new build never answered in " + std::to_string(c.runs_without_new_build) + " of " +
               std::to_string(c.runs) + " runs";
    if (c.failed_runs > best.failed_runs) return std::to_string(c.failed_runs) + " failed runs";
    if (c.max_dropped > best.max_dropped || c.median_dropped > best.median_dropped)
        return "dropped more (max " + html::count(c.max_dropped) + ", median " + html::count(c.median_dropped) + ")";
    if (c.median_p99_during_us > best.median_p99_during_us) return "higher p99 during the swap";
    if (c.median_switchover_ms != best.median_switchover_ms) return "later switchover";
    return "tied with the best";
}

// The modes in the order they first appear, each with its cells, best first.
std::vector<std::pair<std::string, std::vector<Summarized>>> by_mode(const std::vector<BenchCell>& cells) {
    std::vector<std::pair<std::string, std::vector<Summarized>>> groups;
    for (const auto& c : cells) {
        auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == c.mode; });
        if (it == groups.end()) it = groups.insert(groups.end(), {c.mode, {}});
        it->second.push_back({&c, summarize(c)});
    }
    for (auto& g : groups)
        std::stable_sort(g.second.begin(), g.second.end(),
                         [](const Summarized& a, const Summarized& b) { return rank_key(a) < rank_key(b); });
    return groups;
}

std::string cell_name(const BenchCell& c) { return c.strategy + " + " + c.recycle + " recycle"; }

// One sentence per mode: the cell to use, or the least bad one.
std::string recommendation(const std::string& mode, const std::vector<Summarized>& ranked) {
    std::string s = "<li><b>" + markup_escape(mode.empty() ? std::string("(no mode)") : mode) + ":</b> ";
    if (ranked.empty() || ranked.front().s.runs == 0) return s + "no cell ran.</li>\n";
    const Summarized& best = ranked.front();
    if (best.s.runs_without_new_build > 0)
        return s + "no combination served the new build in every run, so none can be recommended.</li>\n";
    if (flawless(best.s)) {
        s += "use <b>" + markup_escape(cell_name(*best.cell)) + "</b>: 0 dropped in all " +
             std::to_string(best.s.runs) + " runs, median p99 during the swap " +
             format_duration_us(best.s.median_p99_during_us) + ", switchover " +
             switchover_text(best.s.median_switchover_ms) + ".";
        std::vector<std::string> others;
        for (std::size_t i = 1; i < ranked.size(); ++i)
            if (flawless(ranked[i].s)) others.push_back(markup_escape(cell_name(*ranked[i].cell)));
        if (!others.empty()) {
            s += " Also dropped nothing: ";
            for (std::size_t i = 0; i < others.size(); ++i) s += (i ? ", " : "") + others[i];
            s += ".";
        }
    } else {
        s += "no combination dropped nothing in every run; the least bad is <b>" +
             markup_escape(cell_name(*best.cell)) + "</b> (median " + html::count(best.s.median_dropped) + ", max " +
             html::count(best.s.max_dropped) + " dropped, " + std::to_string(best.s.failed_runs) + " failed runs).";
    }
    return s + "</li>\n";
}

// A table cell with its sort value in data-v (numbers, or text).
std::string td(const std::string& text_html, const std::string& sort_value, std::string_view cls) {
    std::string s = "<td";
    if (!cls.empty()) {
        s += " class=\"";
        s += cls;
        s += '"';
    }
    return s + " data-v=\"" + sort_value + "\">" + text_html + "</td>";
}

std::string number_value(double v) { return std::isfinite(v) ? html::fixed(v, 3) : "Infinity"; }

std::string mode_table(const std::vector<Summarized>& ranked) {
    std::string s = "<table class=\"sortable\">\n<thead><tr><th>#</th><th>strategy</th><th>recycle</th><th>runs</th>"
                    "<th>failed</th><th>median dropped</th><th>max dropped</th><th>median window</th>"
                    "<th>median switchover</th><th>median p99 during</th><th>why not first</th><th>note</th></tr>"
                    "</thead>\n<tbody>\n";
    std::size_t rank = 0;
    for (const auto& [cell, sum] : ranked) {
        ++rank;
        const bool ran = sum.runs > 0;
        s += ran ? "<tr>" : "<tr class=\"muted\">";
        s += td(std::to_string(rank) + (rank == 1 && flawless(sum) ? " &#9733;" : ""), std::to_string(rank), "n");
        s += td(markup_escape(cell->strategy), markup_escape(cell->strategy), "");
        s += td(markup_escape(cell->recycle), markup_escape(cell->recycle), "");
        s += td(std::to_string(sum.runs), std::to_string(sum.runs), "n");
        if (!ran) {
            for (int i = 0; i < 6; ++i) s += td("-", "Infinity", "n");
            s += td("did not run", "", "");
        } else {
            s += td(std::to_string(sum.failed_runs), std::to_string(sum.failed_runs),
                    sum.failed_runs ? "n bad" : "n good");
            s += td(html::count(sum.median_dropped), number_value(sum.median_dropped),
                    sum.median_dropped > 0 ? "n bad" : "n good");
            s += td(html::count(sum.max_dropped), number_value(sum.max_dropped),
                    sum.max_dropped > 0 ? "n bad" : "n good");
            s += td(format_duration_us(sum.median_window_us), number_value(sum.median_window_us),
                    sum.median_window_us > 0 ? "n warn" : "n good");
            s += td(switchover_text(sum.median_switchover_ms),
                    number_value(sum.median_switchover_ms < 0 ? kNever : sum.median_switchover_ms),
                    sum.median_switchover_ms < 0 ? "n bad" : "n");
            s += td(format_duration_us(sum.median_p99_during_us), number_value(sum.median_p99_during_us), "n");
            const std::string why = rank == 1 ? (flawless(sum) ? "best" : "least bad") : why_lost(sum, ranked.front().s);
            s += td(markup_escape(why), markup_escape(why), sum.runs_without_new_build > 0 ? "bad" : "");
        }
        s += td("<span class=\"note\">" + markup_escape(cell->note) + "</span>", markup_escape(cell->note), "");
        s += "</tr>\n";
    }
    return s + "</tbody>\n</table>\n";
}

// Horizontal bars of the median dropped per cell, a tick at the worst run.
std::string dropped_chart(const std::vector<std::pair<std::string, std::vector<Summarized>>>& groups) {
    constexpr double width = 1000, label_w = 260, value_w = 130, row_h = 18, head_h = 22;
    const double bar_w = width - label_w - value_w;
    double most = 1;
    std::size_t rows = 0;
    for (const auto& g : groups) {
        rows += g.second.size();
        for (const auto& c : g.second) most = std::max(most, c.s.max_dropped);
    }
    const double height = 8 + head_h * static_cast<double>(groups.size()) + row_h * static_cast<double>(rows);
    std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + coord(width) + " " + coord(height) +
                    "\" width=\"" + coord(width) + "\" height=\"" + coord(height) +
                    "\" role=\"img\" aria-label=\"median dropped requests per cell\">\n";
    double y = 4;
    for (const auto& [mode, ranked] : groups) {
        s += "<text x=\"0\" y=\"" + coord(y + 15) + "\" font-weight=\"700\">" + markup_escape(mode) + "</text>\n";
        y += head_h;
        for (const auto& [cell, sum] : ranked) {
            const std::string mid = coord(y + row_h / 2 + 4);
            s += "<g><title>" + markup_escape(cell->strategy + " / " + cell->recycle + " (" + cell->mode + ")") +
                 ": median " + html::count(sum.median_dropped) + ", max " + html::count(sum.max_dropped) +
                 " dropped in " + std::to_string(sum.runs) + " runs</title>";
            s += "<text x=\"" + coord(label_w - 8) + "\" y=\"" + mid + "\" text-anchor=\"end\">" +
                 markup_escape(cell->strategy + " / " + cell->recycle) + "</text>";
            const double w = bar_w * sum.median_dropped / most;
            if (sum.max_dropped > 0)  // the spread up to the worst run, pale behind the median
                s += "<rect x=\"" + coord(label_w) + "\" y=\"" + coord(y + 3) + "\" width=\"" +
                     coord(bar_w * sum.max_dropped / most) + "\" height=\"" + coord(row_h - 6) +
                     "\" fill=\"#f4c7c5\"/>";
            if (w > 0)
                s += "<rect x=\"" + coord(label_w) + "\" y=\"" + coord(y + 3) + "\" width=\"" +
                     coord(std::max(w, 1.5)) + "\" height=\"" + coord(row_h - 6) + "\" fill=\"#d9534f\"/>";
            if (sum.max_dropped > 0) {
                const std::string xm = coord(label_w + bar_w * sum.max_dropped / most);
                s += "<line x1=\"" + xm + "\" x2=\"" + xm + "\" y1=\"" + coord(y + 1) + "\" y2=\"" +
                     coord(y + row_h - 1) + "\" stroke=\"#333\" stroke-width=\"2\"/>";
            }
            std::string value = sum.runs == 0             ? std::string("no runs")
                                : sum.max_dropped == 0 ? std::string("0")
                                                       : html::count(sum.median_dropped) + " (max " +
                                                             html::count(sum.max_dropped) + ")";
            const char* fill = sum.runs == 0 ? "#888" : sum.max_dropped == 0 ? "#1b5e20" : "#b71c1c";
            s += "<text x=\"" + coord(label_w + std::max(w, bar_w * sum.max_dropped / most) + 6) + "\" y=\"" + mid +
                 "\" style=\"fill:" + fill + "\">" + value + "</text></g>\n";
            y += row_h;
        }
    }
    return s + "</svg>\n";
}

constexpr const char* kBenchCss =
    "table.sortable th{cursor:pointer}table.sortable th:hover{background:#e8e8e8}\n"
    "tr.muted td{color:#999}\n"
    "dl.cols{display:grid;grid-template-columns:max-content auto;gap:2px 14px;font-size:13px}"
    "dl.cols dt{font-weight:600}dl.cols dd{margin:0}\n";

// Clicking a column heading sorts that table by it (the page reads the same
// without script; the rows then stay best first).
constexpr const char* kSortScript =
    "<script>\n"
    "document.querySelectorAll('table.sortable').forEach(function (table) {\n"
    "  table.querySelectorAll('th').forEach(function (th, col) {\n"
    "    th.addEventListener('click', function () {\n"
    "      var body = table.tBodies[0], up = th.getAttribute('data-up') !== '1';\n"
    "      th.setAttribute('data-up', up ? '1' : '0');\n"
    "      Array.prototype.slice.call(body.rows).sort(function (a, b) {\n"
    "        var x = a.cells[col].getAttribute('data-v'), y = b.cells[col].getAttribute('data-v');\n"
    "        var nx = parseFloat(x), ny = parseFloat(y);\n"
    "        var c = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y) : (nx === ny ? 0 : (nx < ny ? -1 : 1));\n"
    "        return up ? c : -c;\n"
    "      }).forEach(function (row) { body.appendChild(row); });\n"
    "    });\n"
    "  });\n"
    "});\n"
    "</script>\n";

constexpr const char* kColumnLegend =
    "<dl class=\"cols\">\n"
    "<dt>#</dt><dd>rank within the mode: fewest failed runs, then fewest dropped (worst run, then median), then the "
    "lowest p99 during the swap; &#9733; marks a cell that dropped nothing in every run</dd>\n"
    "<dt>runs / failed</dt><dd>repetitions of the cell, and how many of them had a failed step or a rollback</dd>\n"
    "<dt>median / max dropped</dt><dd>requests no build answered, per run (green: none)</dd>\n"
    "<dt>median window</dt><dd>the rename window: how long the live path held no complete module</dd>\n"
    "<dt>median switchover</dt><dd>from the swap's start to the first answer of the new build (never: the new build "
    "did not answer in at least half the runs)</dd>\n"
    "<dt>median p99 during</dt><dd>the 99th percentile latency of the requests sent while the swap was in "
    "progress</dd>\n"
    "</dl>\n";

}  // namespace

BenchCellSummary summarize(const BenchCell& cell) {
    BenchCellSummary s;
    s.runs = cell.runs.size();
    s.failed_runs = static_cast<std::size_t>(std::count(cell.run_failed.begin(), cell.run_failed.end(), true));
    s.runs_without_new_build = static_cast<std::size_t>(
        std::count_if(cell.runs.begin(), cell.runs.end(), [](const SwapMeasures& m) { return m.answered_new == 0; }));
    if (cell.runs.empty()) return s;
    std::vector<double> dropped, window, switchover, p99;
    for (const auto& m : cell.runs) {
        dropped.push_back(static_cast<double>(m.dropped));
        window.push_back(m.window_us);
        switchover.push_back(m.switchover_ms < 0 ? kNever : m.switchover_ms);
        p99.push_back(m.during.p99_us);
    }
    s.median_dropped = median_of(dropped);
    s.max_dropped = *std::max_element(dropped.begin(), dropped.end());
    s.median_window_us = median_of(window);
    const double so = median_of(switchover);
    s.median_switchover_ms = std::isfinite(so) ? so : -1;
    s.median_p99_during_us = median_of(p99);
    return s;
}

std::string bench_text_table(const std::vector<BenchCell>& cells) {
    const std::vector<std::string> head = {"strategy",    "mode",        "recycle", "runs",       "failed",
                                           "no new build", "dropped med", "dropped max", "window", "switchover",
                                           "p99 during",  "note"};
    // Text columns are left-aligned, numbers right-aligned.
    const std::vector<bool> numeric = {false, false, false, true, true, true, true, true, true, true, true, false};
    std::vector<std::vector<std::string>> rows = {head};
    for (const auto& c : cells) {
        const BenchCellSummary s = summarize(c);
        const bool ran = s.runs > 0;
        auto when_ran = [&](std::string text) { return ran ? text : std::string("-"); };
        rows.push_back({c.strategy, c.mode, c.recycle, std::to_string(s.runs), std::to_string(s.failed_runs),
                        when_ran(std::to_string(s.runs_without_new_build)), when_ran(html::count(s.median_dropped)), when_ran(html::count(s.max_dropped)),
                        when_ran(format_duration_us(s.median_window_us)),
                        when_ran(switchover_text(s.median_switchover_ms)),
                        when_ran(format_duration_us(s.median_p99_during_us)), c.note});
    }
    std::vector<std::size_t> width(head.size(), 0);
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            const std::string pad(width[i] - row[i].size(), ' ');
            if (i) line += "  ";
            line += numeric[i] ? pad + row[i] : row[i] + (i + 1 < row.size() ? pad : "");
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

std::string bench_json_report(const std::vector<BenchCell>& cells) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& c : cells) {
        const BenchCellSummary s = summarize(c);
        nlohmann::ordered_json dropped = nlohmann::ordered_json::array();
        for (const auto& m : c.runs) dropped.push_back(m.dropped);
        list.push_back({{"strategy", c.strategy},
                        {"mode", c.mode},
                        {"recycle", c.recycle},
                        {"runs", s.runs},
                        {"failed_runs", s.failed_runs},
                        {"runs_without_new_build", s.runs_without_new_build},
                        {"median_dropped", s.median_dropped},
                        {"max_dropped", s.max_dropped},
                        {"median_window_us", s.median_window_us},
                        // null: at least half of the runs never switched over
                        {"median_switchover_us", s.median_switchover_ms < 0 ? nlohmann::ordered_json(nullptr)
                                                                            : nlohmann::ordered_json(s.median_switchover_ms * 1e3)},
                        {"median_p99_during_us", s.median_p99_during_us},
                        {"note", c.note.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(c.note)},
                        {"dropped_per_run", dropped}});
    }
    nlohmann::ordered_json doc;
    doc["cells"] = list;
    return doc.dump(2) + "\n";
}

std::string bench_html_report(const std::vector<BenchCell>& cells, const std::string& title) {
    const auto groups = by_mode(cells);
    std::size_t runs = 0;
    for (const auto& c : cells) runs += c.runs.size();
    std::string s = html::page_start(title, kBenchCss);
    s += "<h1>" + markup_escape(title) + "</h1>\n";
    s += "<p class=\"muted\">" + std::to_string(cells.size()) + " combinations of strategy, mode and recycle policy, " +
         std::to_string(runs) + " swap runs in all.</p>\n";
    s += "<h2>Which way of deploying should I use?</h2>\n<ul>\n";
    for (const auto& [mode, ranked] : groups) s += recommendation(mode, ranked);
    s += "</ul>\n";
    for (const auto& [mode, ranked] : groups) {
        s += "<h2>Mode: " + markup_escape(mode) + "</h2>\n";
        s += mode_table(ranked);
    }
    s += "<h2>What the columns mean</h2>\n";
    s += kColumnLegend;
    s += "<h2>Median dropped requests per cell</h2>\n";
    s += "<p class=\"muted\">Dark bars: the median run; pale bars up to the tick: the worst run. Green 0: nothing "
         "dropped in any "
         "run.</p>\n";
    s += dropped_chart(groups);
    s += kSortScript;
    s += html::page_end();
    return s;
}

}  // namespace isapi::loadgen
