#include "junit_report.hpp"

#include "markup.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace isapi::loadgen {
namespace {

struct Case {
    std::string name;
    std::string failure;  // empty when it passed
    bool skipped = false;
};

}  // namespace

std::string junit_report(const ReportInput& in) {
    const RunStats& s = in.result->stats;
    std::vector<Case> cases;
    cases.push_back({"every request is accounted for (sent = answered + dropped)",
                     s.sent() == s.answered() + s.dropped() ? "" : "the books do not balance"});
    std::string errors;
    for (auto c : all_classes())
        if (c != ErrorClass::ok && s.count(c)) errors += std::string(class_name(c)) + " " + std::to_string(s.count(c)) + " ";
    // Errors alone fail the suite only through --fail-if; here they are informative.
    cases.push_back({"no request failed" + (errors.empty() ? std::string() : " (" + errors + ")"), "", !errors.empty()});
    for (const auto& t : in.thresholds) cases.push_back({"fail-if " + t.threshold.text, t.broken ? t.message : ""});

    std::size_t failures = 0, skipped = 0;
    for (const auto& c : cases) {
        failures += !c.failure.empty();
        skipped += c.skipped;
    }
    char time[32];
    std::snprintf(time, sizeof time, "%.3f", in.result->elapsed_s);
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
    x += "  <testsuite name=\"isapi-loadgen " + markup_escape(in.command) + "\" tests=\"" + std::to_string(cases.size()) +
         "\" failures=\"" + std::to_string(failures) + "\" skipped=\"" + std::to_string(skipped) + "\" errors=\"0\" time=\"" +
         time + "\">\n";
    x += "    <properties>\n      <property name=\"target\" value=\"" + markup_escape(in.target) + "\"/>\n";
    x += "      <property name=\"sent\" value=\"" + std::to_string(s.sent()) + "\"/>\n";
    x += "      <property name=\"answered\" value=\"" + std::to_string(s.answered()) + "\"/>\n";
    x += "      <property name=\"dropped\" value=\"" + std::to_string(s.dropped()) + "\"/>\n    </properties>\n";
    for (const auto& c : cases) {
        x += "    <testcase classname=\"isapi-loadgen\" name=\"" + markup_escape(c.name) + "\" time=\"" + time + "\"";
        if (c.failure.empty() && !c.skipped) {
            x += "/>\n";
            continue;
        }
        x += ">\n";
        if (!c.failure.empty()) x += "      <failure message=\"" + markup_escape(c.failure) + "\"/>\n";
        else x += "      <skipped message=\"requests failed; add --fail-if 'errors>0' to make this fail\"/>\n";
        x += "    </testcase>\n";
    }
    x += "  </testsuite>\n</testsuites>\n";
    return x;
}

}  // namespace isapi::loadgen
