#pragma once
// Beast's request parser with the limits a hostile client must meet before
// anything is stored:
// - a header or trailer field whose name, ": " and value together pass
//   65,534 bytes is refused with `header_limit` (HTTP.sys's MaxFieldLength
//   default). Beast itself throws std::length_error from deep inside a read
//   for a name or value of 65,534 bytes or more, which no completion handler
//   can catch;
// - the trailer counts against the same header limit as the header, so a
//   client cannot grow a request's fields without bound after its body.
// The read buffer's own bound (request_read_buffer_limit) keeps a chunk
// extension from growing memory: Beast holds a whole chunk line in the
// buffer before it parses it.
#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <cstdint>

namespace isapi::host {

// The longest header or trailer field accepted: name, ": " and value.
inline constexpr std::size_t kMaxFieldBytes = 65'534;

// How many bytes a connection's read buffer may hold: the whole header must
// fit, and so must one chunk line or the whole trailer.
constexpr std::size_t request_read_buffer_limit(std::size_t max_header_bytes) {
    return max_header_bytes + 4096;
}

template <class Body>
class BoundedRequestParser final : public boost::beast::http::request_parser<Body> {
public:
    explicit BoundedRequestParser(std::uint32_t header_limit) : field_budget_(header_limit) {
        this->header_limit(header_limit);
    }

private:
    void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                       boost::beast::string_view value, boost::beast::error_code& ec) override {
        const std::size_t field = name_string.size() + 2 + value.size();
        const std::size_t size = field + 2;  // and its CRLF
        if (field > kMaxFieldBytes || size > field_budget_) {
            ec = boost::beast::http::error::header_limit;
            return;
        }
        field_budget_ -= size;
        this->get().insert(name, name_string, value);
    }

    std::size_t field_budget_;  // header and trailer bytes still allowed
};

}  // namespace isapi::host
