#pragma once
// A console reporter that also keeps every repetition's time per iteration,
// so a benchmark binary can print ratios between benchmarks that ran side by
// side in the same process. On a shared machine the median CPU time over
// interleaved repetitions is the steadiest figure, so ratios use it.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace isapi::bench {

class RatioReporter : public benchmark::ConsoleReporter {
public:
    // Colours only on a terminal, so piped output stays plain text.
    RatioReporter() : ConsoleReporter(::isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& runs) override
    {
        ConsoleReporter::ReportRuns(runs);
        for (const auto& run : runs) {
            if (run.error_occurred || run.run_type != Run::RT_Iteration || run.iterations == 0) continue;
            const auto iterations = static_cast<double>(run.iterations);
            auto& samples = samples_[run.run_name.function_name];
            samples.cpu.push_back(run.cpu_accumulated_time / iterations);
            samples.real.push_back(run.real_accumulated_time / iterations);
        }
    }

    // Median seconds per iteration of the named benchmark, 0 if it did not run.
    double cpu_seconds(const std::string& name) const { return median(name, &Samples::cpu); }
    double real_seconds(const std::string& name) const { return median(name, &Samples::real); }

private:
    struct Samples {
        std::vector<double> cpu;
        std::vector<double> real;
    };

    double median(const std::string& name, std::vector<double> Samples::*which) const
    {
        auto it = samples_.find(name);
        if (it == samples_.end() || (it->second.*which).empty()) return 0.0;
        auto values = it->second.*which;
        std::sort(values.begin(), values.end());
        return values[values.size() / 2];
    }

    std::map<std::string, Samples> samples_;
};

// argv with Google Benchmark defaults that the caller did not override:
// repetitions interleaved at random, so slow drifts on a shared machine hit
// every benchmark alike.
inline std::vector<char*> with_default_flags(int argc, char** argv)
{
    static char interleave[] = "--benchmark_enable_random_interleaving=true";
    static char repetitions[] = "--benchmark_repetitions=9";
    static char min_time[] = "--benchmark_min_time=0.2";
    std::vector<char*> args(argv, argv + argc);
    auto given = [&](const std::string& prefix) {
        return std::any_of(args.begin(), args.end(), [&](char* a) { return std::string(a).rfind(prefix, 0) == 0; });
    };
    std::vector<char*> defaults;
    if (!given("--benchmark_enable_random_interleaving")) defaults.push_back(interleave);
    if (!given("--benchmark_repetitions")) defaults.push_back(repetitions);
    if (!given("--benchmark_min_time")) defaults.push_back(min_time);
    args.insert(args.begin() + 1, defaults.begin(), defaults.end());
    args.push_back(nullptr);
    return args;
}

}  // namespace isapi::bench
