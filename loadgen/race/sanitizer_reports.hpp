#pragma once
// What a sanitizer (the tsan and asan presets' hosts and extensions) wrote
// to the host's output during a race. They are not findings: the finding
// kinds are the host's detectors'. `race` prints them as SANITIZER
// lines, puts them in --json ("sanitizer_reports") and --junit, and exits 2
// as for a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace isapi::loadgen {

struct SanitizerReport {
    std::string tool;     // "ThreadSanitizer", "AddressSanitizer", "UndefinedBehaviorSanitizer"
    std::string summary;  // SUMMARY's text: "data race /src/racy_init.c:53 in HttpExtensionProc"
    std::string module;   // the file of the report's first frame ("racy_init.so"); empty if none
    std::uint64_t pid = 0;     // the first process that reported it
    std::size_t count = 1;     // processes (workers) that reported it
    std::string excerpt;       // the report's first lines
};

// The reports in a host's output, one per distinct tool and summary, in
// the order first written. A report ends at its SUMMARY line; one that
// has none (cut off by the process's end) is taken from its header.
std::vector<SanitizerReport> sanitizer_reports_in(const std::string& log_text);

// Reads a growing log file and tells whether a finished report was written
// since the last call (for stopping a race at the first one).
class SanitizerLogWatch {
public:
    explicit SanitizerLogWatch(std::string path) : path_(std::move(path)) {}
    bool new_report();

private:
    std::string path_;
    std::uint64_t offset_ = 0;
    std::string partial_;  // a line not yet ended
};

// "SANITIZER ThreadSanitizer in racy_init.so: data race /src/racy_init.c:53 in
// HttpExtensionProc (pid 123, 2 processes)\n", then the excerpt indented.
std::string sanitizer_report_text(const SanitizerReport& report, bool with_excerpt = true);

}  // namespace isapi::loadgen
