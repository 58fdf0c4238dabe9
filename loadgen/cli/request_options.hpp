#pragma once
// What `race` and `swap` send, from their command line: the requests of a
// replay file (--replay, --replay-format), or one template (-m, -H,
// --body, as `run` takes them), or neither (each command's default).
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "../client/request_template.hpp"

namespace isapi::loadgen {

struct RequestOptions {
    std::string replay, replay_format = "auto";
    std::string method, body;
    std::vector<std::string> headers;
};

// `what` names the default the options replace in their help ("the mix").
void add_request_options(CLI::App& cmd, RequestOptions& o, const std::string& what);

struct UserRequests {
    std::vector<RequestSpec> specs;  // empty: the command's default
    std::vector<std::string> args;   // the words that repeat them on a command line
};

// Throws std::invalid_argument for --replay with a template, or a body file
// that cannot be read; std::runtime_error for a replay file with nothing to
// send. Skipped replay lines go to `diagnostics`.
UserRequests user_requests(const RequestOptions& o, std::ostream& diagnostics);

}  // namespace isapi::loadgen
