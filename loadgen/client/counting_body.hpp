#pragma once
// A Beast body that keeps no bytes, only their count. A load generator reads
// every response to the end but has no use for its content, so memory per
// connection stays constant whatever the server sends.
#include <cstdint>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

namespace isapi::loadgen {

struct CountingBody {
    using value_type = std::uint64_t;

    class reader {
    public:
        template <bool isRequest, class Fields>
        reader(boost::beast::http::header<isRequest, Fields>&, value_type& count) : count_(count) {}

        void init(const boost::optional<std::uint64_t>&, boost::beast::error_code& ec) { ec = {}; }

        template <class ConstBufferSequence>
        std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
            const std::size_t n = boost::asio::buffer_size(buffers);
            count_ += n;
            ec = {};
            return n;
        }

        void finish(boost::beast::error_code& ec) { ec = {}; }

    private:
        value_type& count_;
    };
};

}  // namespace isapi::loadgen
