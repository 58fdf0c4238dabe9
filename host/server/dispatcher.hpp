#pragma once
// What the HTTP front end hands a parsed request to. The front end knows
// nothing about extensions; isapi-host's dispatcher runs them in process, and
// a worker-process dispatcher can forward them instead.
#include "client_connection.hpp"

#include <isapi/ecb/request.hpp>

#include <memory>

namespace isapi::host {

class Dispatcher {
public:
    virtual ~Dispatcher() = default;
    // Takes the request for processing, or returns false when it cannot
    // queue it (the front end then answers 503). Must not block.
    virtual bool submit(ecb::Request&& request, std::shared_ptr<ClientConnection> connection) = 0;
};

}  // namespace isapi::host
