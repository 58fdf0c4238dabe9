#include "request_options.hpp"

#include <stdexcept>

#include "plan_builder.hpp"
#include "../replay/readers.hpp"

namespace isapi::loadgen {

void add_request_options(CLI::App& cmd, RequestOptions& o, const std::string& what) {
    cmd.add_option("--replay", o.replay,
                   "Send the requests of this file (IIS W3C log, HAR, JSON lines, vegeta targets) in turn instead of " +
                       what + "; each path is aimed at the module's URL, keeping its PATH_INFO and query");
    cmd.add_option("--replay-format", o.replay_format, "auto, w3c, har, jsonl, vegeta (http targets) or vegeta-json")
        ->capture_default_str();
    cmd.add_option("-m,--method", o.method, "Send one request template instead of " + what + ": its method (default GET)");
    cmd.add_option("-H,--header", o.headers, "The template's header 'Name: value' (repeatable)");
    cmd.add_option("--body", o.body, "The template's body; @FILE sends the file's bytes");
}

UserRequests user_requests(const RequestOptions& o, std::ostream& diagnostics) {
    UserRequests out;
    const bool templated = !o.method.empty() || !o.body.empty() || !o.headers.empty();
    if (!o.replay.empty() && templated)
        throw std::invalid_argument("--replay takes the requests from the file; --method, --header and --body "
                                    "make one template instead: use one or the other");
    if (!o.replay.empty()) {
        ReplaySource source = read_replay_file(o.replay, replay_format_from(o.replay_format));
        for (const auto& m : source.malformed) diagnostics << "isapi-loadgen: skipped " << m.describe() << '\n';
        if (source.entries.empty()) throw std::runtime_error("no replayable request in " + o.replay);
        for (auto& e : source.entries) out.specs.push_back(std::move(e.request));
        out.args = {"--replay", o.replay, "--replay-format", o.replay_format};
    } else if (templated) {
        RequestSpec spec;
        if (!o.method.empty()) spec.method = o.method;
        spec.body = request_body(o.body);
        for (const auto& h : o.headers) spec.headers.push_back(split_header(h));
        out.specs.push_back(std::move(spec));
        if (!o.method.empty()) out.args.insert(out.args.end(), {"--method", o.method});
        for (const auto& h : o.headers) out.args.insert(out.args.end(), {"--header", h});
        if (!o.body.empty()) out.args.insert(out.args.end(), {"--body", o.body});
    }
    return out;
}

}  // namespace isapi::loadgen
