#include "flush_timer.hpp"
#include "session.hpp"

#include <isapi/ecb/dispatch.hpp>

#include <spdlog/spdlog.h>

namespace isapi::ecb {

void dispatch(Request request, PFN_HTTPEXTENSIONPROC proc, std::shared_ptr<Transport> transport,
              DispatchContext context) {
    try {
        detail::FlushTimer::start();
        auto session = std::make_shared<detail::Session>(std::move(request), std::move(transport), std::move(context));
        session->start();
        session->run(proc);
    } catch (const std::exception& e) {
        // Only the host's own allocations can get here; the extension's code
        // runs inside Session::run's own boundary.
        spdlog::error("dispatch failed before the extension ran: {}", e.what());
    } catch (...) {
        spdlog::error("dispatch failed before the extension ran");
    }
}

}  // namespace isapi::ecb
