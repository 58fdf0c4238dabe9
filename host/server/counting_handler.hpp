#pragma once
// A read's completion handler that first adds the bytes read to a count:
// what a connection has read so far, which a worker publishes for the front
// end (SessionTracker::state). Everything Asio asks of a handler (its
// executor, allocator, cancellation slot, whether it continues an
// operation) is the wrapped handler's, so wrapping changes neither where
// nor how the completion runs.
#include <boost/asio/associator.hpp>
#include <boost/asio/handler_continuation_hook.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>

namespace isapi::host {

template <class Handler>
class CountingHandler {
public:
    // `count` has one writer at a time: reads on a connection do not overlap.
    CountingHandler(Handler handler, std::atomic<std::uint64_t>& count) : handler_(std::move(handler)), count_(&count) {}

    void operator()(const boost::system::error_code& ec, std::size_t bytes) {
        count_->store(count_->load(std::memory_order_relaxed) + bytes, std::memory_order_release);
        std::move(handler_)(ec, bytes);
    }

    const Handler& wrapped() const noexcept { return handler_; }

    friend bool asio_handler_is_continuation(CountingHandler* self) {
        using boost::asio::asio_handler_is_continuation;
        return asio_handler_is_continuation(std::addressof(self->handler_));
    }

private:
    Handler handler_;
    std::atomic<std::uint64_t>* count_;
};

}  // namespace isapi::host

template <template <class, class> class Associator, class Handler, class DefaultCandidate>
struct boost::asio::associator<Associator, isapi::host::CountingHandler<Handler>, DefaultCandidate> {
    using type = typename Associator<Handler, DefaultCandidate>::type;
    static type get(const isapi::host::CountingHandler<Handler>& h) noexcept {
        return Associator<Handler, DefaultCandidate>::get(h.wrapped());
    }
    static auto get(const isapi::host::CountingHandler<Handler>& h, const DefaultCandidate& c) noexcept
        -> decltype(Associator<Handler, DefaultCandidate>::get(h.wrapped(), c)) {
        return Associator<Handler, DefaultCandidate>::get(h.wrapped(), c);
    }
};
