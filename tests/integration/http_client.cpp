#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>

namespace isapi::itest {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

bool iequals(const std::string& a, const std::string& b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

void throw_if(const beast::error_code& ec)
{
    if (ec) throw boost::system::system_error(ec);
}

}  // namespace

std::optional<std::string> HttpResponse::header(const std::string& name) const
{
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return std::nullopt;
}

HttpClient::HttpClient(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout), stream_(io_)
{
}

HttpClient::~HttpClient() { close(); }

// Runs one async operation on our private io_context until it completes or
// the tcp_stream's deadline closes the socket under it.
template <class Operation>
void HttpClient::run_with_deadline(Operation&& start)
{
    beast::error_code result;
    stream_.expires_after(timeout_);
    start([&result](beast::error_code ec, std::size_t = 0) { result = ec; });
    io_.restart();
    io_.run();
    if (result) {
        open_ = false;
        throw_if(result);
    }
}

void HttpClient::connect()
{
    close();
    const tcp::endpoint endpoint(net::ip::make_address(host_), port_);
    run_with_deadline([&](auto handler) {
        stream_.async_connect(endpoint, [handler](beast::error_code ec) mutable { handler(ec); });
    });
    stream_.socket().set_option(tcp::no_delay(true));
    buffer_.clear();
    open_ = true;
    ++connections_made_;
}

bool HttpClient::is_open() const { return open_ && stream_.socket().is_open(); }

void HttpClient::close()
{
    beast::error_code ignored;
    if (stream_.socket().is_open()) {
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.socket().close(ignored);
    }
    open_ = false;
}

void HttpClient::write_raw(const std::string& bytes)
{
    if (!is_open()) connect();
    run_with_deadline([&](auto handler) { net::async_write(stream_, net::buffer(bytes), handler); });
}

HttpResponse HttpClient::read_response()
{
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    run_with_deadline([&](auto handler) { http::async_read(stream_, buffer_, parser, handler); });

    auto& message = parser.get();
    HttpResponse response;
    response.status = message.result_int();
    for (const auto& field : message) {
        response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    response.keep_alive = message.keep_alive();
    if (!response.keep_alive) close();
    return response;
}

HttpResponse HttpClient::send(const HttpRequest& request)
{
    if (!is_open()) connect();

    http::request<http::empty_body> head;
    head.method_string(request.method);
    head.target(request.target);
    head.version(11);
    head.set(http::field::host, host_ + ":" + std::to_string(port_));
    for (const auto& [name, value] : request.headers) head.insert(name, value);

    if (request.chunk_size > 0) {
        head.chunked(true);
        http::request_serializer<http::empty_body> serializer(head);
        run_with_deadline([&](auto handler) { http::async_write_header(stream_, serializer, handler); });
        for (std::size_t offset = 0; offset < request.body.size(); offset += request.chunk_size) {
            const std::size_t n = std::min(request.chunk_size, request.body.size() - offset);
            run_with_deadline([&](auto handler) {
                net::async_write(stream_, http::make_chunk(net::buffer(request.body.data() + offset, n)), handler);
            });
        }
        run_with_deadline([&](auto handler) { net::async_write(stream_, http::make_chunk_last(), handler); });
    } else {
        if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
            head.content_length(request.body.size());
        }
        http::request_serializer<http::empty_body> serializer(head);
        run_with_deadline([&](auto handler) { http::async_write_header(stream_, serializer, handler); });
        if (!request.body.empty()) {
            run_with_deadline([&](auto handler) { net::async_write(stream_, net::buffer(request.body), handler); });
        }
    }
    return read_response();
}

}  // namespace isapi::itest
