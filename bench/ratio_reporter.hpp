#pragma once
// A console reporter that also remembers each benchmark's mean real time per
// iteration, so a benchmark binary can print ratios between benchmarks that
// ran side by side in the same process.
#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace isapi::bench {

class RatioReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override
    {
        ConsoleReporter::ReportRuns(runs);
        for (const auto& run : runs) {
            if (run.error_occurred || run.run_type != Run::RT_Iteration || run.iterations == 0) continue;
            // Seconds per iteration; with repetitions, the last one wins.
            seconds_[run.run_name.function_name] = run.real_accumulated_time / static_cast<double>(run.iterations);
        }
    }

    // Mean seconds per iteration of the named benchmark, or 0 if it did not run.
    double seconds(const std::string& name) const
    {
        auto it = seconds_.find(name);
        return it == seconds_.end() ? 0.0 : it->second;
    }

private:
    std::map<std::string, double> seconds_;
};

}  // namespace isapi::bench
