#pragma once
// Work an I/O thread defers until the handlers already queued on it have run:
// one posted handler per batch, however many requests add to it. Responses
// written by inline extension code go out this way, back to back at the end
// of the batch, so the client is woken once per batch rather than once per
// response (on a VM each wake-up is an inter-processor interrupt; batching
// them served 13-32 % more against wrk; docs/architecture.md, "Threading model").
#include <boost/asio/any_io_executor.hpp>

#include <functional>

namespace isapi::host {

class BatchEnd {
public:
    // Runs `task` on `executor` after the handlers queued there now. Tasks
    // deferred by one thread before that run together, in order.
    static void defer(const boost::asio::any_io_executor& executor, std::function<void()> task);
};

}  // namespace isapi::host
