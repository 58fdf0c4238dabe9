#pragma once
// One-shot HTTP calls to an isapi-host's admin API (recycle, events,
// status), synchronous and bounded by a timeout. Not for load: the load goes
// through client/.
#include <chrono>
#include <string>

#include "../client/url.hpp"

namespace isapi::loadgen {

struct HttpReply {
    unsigned status = 0;
    std::string body;
};

// Sends `method target` to `server` (its host and port; its target is
// ignored) with an optional bearer token. Throws std::runtime_error naming
// the URL on any network failure or timeout.
HttpReply http_call(const Url& server, const std::string& method, const std::string& target,
                    const std::string& bearer_token = {},
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(5'000));

}  // namespace isapi::loadgen
