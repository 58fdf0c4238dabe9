#include "sanitizer_reports.hpp"

#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <utility>

namespace isapi::loadgen {
namespace {

constexpr std::size_t kExcerptLines = 8;

// "WARNING: ThreadSanitizer: data race (pid=12)", "==12==ERROR: AddressSanitizer: heap-use-after-free on ..."
const std::regex kHeader(R"((?:^|==([0-9]+)==)(?:WARNING|ERROR): (\w+Sanitizer): (.*?)(?: \(pid=([0-9]+)\))?$)");
// "src/x.c:3:5: runtime error: signed integer overflow: ..." (UBSan has no header line)
const std::regex kUbsanError(R"(^\S+:[0-9]+:[0-9]+: runtime error: )");
const std::regex kSummary(R"(^SUMMARY: (\w+Sanitizer): (.*)$)");
// A frame's "(racy_init.so+0x1514)" or "(/build/x.so+0x11e9)".
const std::regex kFrameModule(R"(^\s+#[0-9]+ .*\(([^()+/]*/)*([^()+/]+)\+0x[0-9a-f]+\)$)");

struct Pending {
    SanitizerReport report;
    std::size_t lines = 0;
};

class Collector {
public:
    void line(const std::string& text) {
        std::smatch m;
        if (std::regex_search(text, m, kSummary)) {
            if (!open_) open_ = Pending{};
            open_->report.tool = m[1];
            open_->report.summary = m[2];
            close();
            return;
        }
        if (std::regex_search(text, m, kHeader)) {
            close();
            open_ = Pending{};
            open_->report.tool = m[2];
            open_->report.summary = m[3];
            const std::string pid = m[4].matched ? m[4].str() : m[1].str();
            if (!pid.empty()) open_->report.pid = std::stoull(pid);
        } else if (std::regex_search(text, kUbsanError)) {
            close();
            open_ = Pending{};
            open_->report.tool = "UndefinedBehaviorSanitizer";
            open_->report.summary = text;
        } else if (!open_) {
            return;
        }
        if (open_->report.module.empty() && std::regex_match(text, m, kFrameModule))
            open_->report.module = m[2];
        if (open_->lines++ < kExcerptLines) open_->report.excerpt += text + "\n";
    }

    std::vector<SanitizerReport> take() {
        close();
        return std::move(reports_);
    }

private:
    void close() {
        if (!open_) return;
        SanitizerReport r = std::move(open_->report);
        open_.reset();
        const auto key = std::make_pair(r.tool, r.summary);
        if (const auto seen = index_.find(key); seen != index_.end()) {
            ++reports_[seen->second].count;
            return;
        }
        index_.emplace(key, reports_.size());
        reports_.push_back(std::move(r));
    }

    std::optional<Pending> open_;
    std::vector<SanitizerReport> reports_;
    std::map<std::pair<std::string, std::string>, std::size_t> index_;
};

}  // namespace

std::vector<SanitizerReport> sanitizer_reports_in(const std::string& log_text) {
    Collector collector;
    std::istringstream lines(log_text);
    for (std::string line; std::getline(lines, line);) collector.line(line);
    return collector.take();
}

bool SanitizerLogWatch::new_report() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) return false;
    in.seekg(static_cast<std::streamoff>(offset_));
    std::string fresh((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    offset_ += fresh.size();
    partial_ += fresh;
    // A SUMMARY line ends a TSan, ASan or UBSan report.
    bool found = false;
    std::size_t at = 0;
    for (std::size_t end; (end = partial_.find('\n', at)) != std::string::npos; at = end + 1)
        if (partial_.compare(at, 9, "SUMMARY: ") == 0 && partial_.find("Sanitizer: ", at) < end) found = true;
    partial_.erase(0, at);
    return found;
}

std::string sanitizer_report_text(const SanitizerReport& r, bool with_excerpt) {
    std::string t = "SANITIZER " + r.tool + (r.module.empty() ? "" : " in " + r.module) + ": " + r.summary;
    if (r.pid != 0 || r.count > 1) {
        t += " (";
        if (r.pid != 0) t += "pid " + std::to_string(r.pid);
        if (r.count > 1) t += std::string(r.pid != 0 ? ", " : "") + "reported " + std::to_string(r.count) + " times";
        t += ")";
    }
    t += "\n";
    if (with_excerpt) {
        std::istringstream lines(r.excerpt);
        for (std::string line; std::getline(lines, line);) t += "    " + line + "\n";
    }
    return t;
}

}  // namespace isapi::loadgen
