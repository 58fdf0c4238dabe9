#pragma once
// A Beast response parser that keeps only what a load generator needs: the
// status, the X-Isapi-Build value and the body's length. It stores no header
// fields and no body, so parsing a response allocates nothing (the build
// string reuses its capacity), and memory per connection stays constant
// whatever the server sends. Framing (Content-Length, chunked, keep-alive,
// end-of-connection bodies) is Beast's.
#include <cstdint>
#include <string>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>

namespace isapi::loadgen {

class ResponseParser final : public boost::beast::http::basic_parser<false> {
public:
    unsigned status() const noexcept { return status_; }
    const std::string& build() const noexcept { return build_; }
    std::uint64_t body_bytes() const noexcept { return body_bytes_; }

    // Ready for the next response: basic_parser cannot be reset, so the
    // connection destroys and re-creates this object per response.
    explicit ResponseParser(std::string& build_storage) : build_(build_storage) { build_.clear(); }

private:
    using error_code = boost::beast::error_code;
    using string_view = boost::beast::string_view;

    void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
    void on_response_impl(int code, string_view, int, error_code&) override {
        status_ = static_cast<unsigned>(code);
    }
    void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) override {
        if (boost::beast::iequals(name, "X-Isapi-Build")) build_.assign(value.data(), value.size());
    }
    void on_header_impl(error_code&) override {}
    void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
    std::size_t on_body_impl(string_view body, error_code&) override {
        body_bytes_ += body.size();
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
        body_bytes_ += body.size();
        return body.size();
    }
    void on_finish_impl(error_code&) override {}

    std::string& build_;
    unsigned status_ = 0;
    std::uint64_t body_bytes_ = 0;
};

}  // namespace isapi::loadgen
