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

// Sends `request`, the bytes of one whole HTTP/1.1 request, on a connection of
// its own and reads the response (without a body for a HEAD request).
// Throws std::runtime_error naming the request on a failure or at `timeout`.
HttpReply http_exchange(const Url& server, const std::string& request, bool head_request,
                        std::chrono::milliseconds timeout);

}  // namespace isapi::loadgen
