#include "session.hpp"

#include <cstdio>
#include <iostream>

#include <isapi/platform/terminal.hpp>

#include "../report/hgrm_report.hpp"
#include "../report/json_report.hpp"
#include "../report/junit_report.hpp"
#include "../report/output_file.hpp"
#include "../report/progress_line.hpp"
#include "../report/run_html.hpp"
#include "../report/text_report.hpp"
#include "../report/thresholds.hpp"

namespace isapi::loadgen {

int run_session(const std::string& command, const std::string& target, const CommonOptions& common,
                const RunPlan& plan, std::size_t malformed) {
    std::vector<Threshold> thresholds;
    for (const auto& text : common.fail_if) thresholds.push_back(parse_threshold(text));
    for (const auto& text : common.expect) thresholds.push_back(parse_threshold(text, true));

    ProgressOutput shown(progress_mode_from(common.progress, common.no_progress), platform::StandardStream::output,
                         common.quiet);
    const RunResult result = run_load(plan, progress_to(shown));
    shown.clear();

    ReportInput in;
    in.command = command;
    in.target = target;
    in.model = plan.model;
    if (plan.model == Model::open_rate) in.target_rate = plan.schedule.total() / plan.schedule.duration_s();
    in.result = &result;
    in.malformed = malformed;
    in.thresholds = evaluate_thresholds(thresholds, result);
    if (!common.quiet) write_text_report(std::cout, in);

    int code = kExitOk;
    // A report file that cannot be written is a setup failure.
    const bool written = write_requested_report(common.json, [&] { return json_report(in); }) &
                         write_requested_report(common.junit, [&] { return junit_report(in); }) &
                         write_requested_report(common.hgrm, [&] { return hgrm_report(result.stats.corrected()); }) &
                         write_requested_report(common.html, [&] { return run_html_report(in, common.command_line); });
    if (!written) code = kExitSetup;
    if (!result.log_error.empty()) {
        std::cerr << "isapi-loadgen: " << result.log_error << '\n';
        code = kExitSetup;
    }
    for (const auto& t : in.thresholds) {
        if (!t.broken) continue;
        std::cerr << "isapi-loadgen: threshold broken: " << t.message << '\n';
        if (code == kExitOk) code = kExitThreshold;
    }
    // Why the handshakes failed, in one line (the first reason seen).
    if (result.tls && result.tls->failed)
        std::cerr << "isapi-loadgen: " << result.tls->failed << " TLS handshake" << (result.tls->failed == 1 ? "" : "s")
                  << " with " << plan.target.origin() << " failed: " << result.tls->first_error << '\n';
    // A run in which nothing was answered measured nothing: CI must not
    // read it as a pass.
    if (result.stats.sent() > 0 && result.stats.answered() == 0) {
        std::cerr << "isapi-loadgen: not one of the " << result.stats.sent() << " requests was answered; "
                  << (result.stats.count(ErrorClass::tls) == result.stats.sent() ? "every TLS handshake failed (above)"
                                                                                 : "is the target up?")
                  << '\n';
        code = kExitSetup;
    }
    return code;
}

}  // namespace isapi::loadgen
