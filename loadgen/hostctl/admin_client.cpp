#include "admin_client.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace isapi::loadgen {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

HttpReply http_call(const Url& server, const std::string& method, const std::string& target,
                    const std::string& bearer_token, std::chrono::milliseconds timeout) {
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, server.authority);
    if (!bearer_token.empty()) request.set(http::field::authorization, "Bearer " + bearer_token);
    request.prepare_payload();
    std::ostringstream bytes;
    bytes << request;
    return http_exchange(server, bytes.str(), method == "HEAD", timeout);
}

HttpReply http_exchange(const Url& server, const std::string& request, bool head_request,
                        std::chrono::milliseconds timeout) {
    // "POST http://127.0.0.1:8081/_isapi/recycle", from the request line.
    const std::size_t method_end = std::min(request.find(' '), request.size());
    const std::size_t target_end = std::min(request.find(' ', method_end + 1), request.size());
    const std::string where = request.substr(0, method_end) + " http://" + server.authority +
                              request.substr(std::min(method_end + 1, target_end), target_end - std::min(method_end + 1, target_end));
    net::io_context io;
    beast::tcp_stream stream(io);
    net::ip::tcp::resolver resolver(io);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    parser.skip(head_request);
    beast::error_code failed;
    // Asynchronous, so the deadline covers every step (a synchronous read
    // would wait for a hung server forever).
    stream.expires_after(timeout);
    stream.async_connect(resolver.resolve(server.host, std::to_string(server.port)), [&](beast::error_code ec, auto) {
        if ((failed = ec)) return;
        net::async_write(stream, net::buffer(request), [&](beast::error_code wrote, std::size_t) {
            if ((failed = wrote)) return;
            http::async_read(stream, buffer, parser, [&](beast::error_code read, std::size_t) { failed = read; });
        });
    });
    try {
        io.run();
    } catch (const std::exception& e) {
        throw std::runtime_error(where + ": " + e.what());
    }
    if (failed) throw std::runtime_error(where + ": " + failed.message());
    beast::error_code ignored;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    return HttpReply{parser.get().result_int(), std::move(parser.get().body())};
}

}  // namespace isapi::loadgen
