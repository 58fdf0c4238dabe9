#include "admin_client.hpp"

#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace isapi::loadgen {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

HttpReply http_call(const Url& server, const std::string& method, const std::string& target,
                    const std::string& bearer_token, std::chrono::milliseconds timeout) {
    const std::string where = "http://" + server.authority + target;
    try {
        net::io_context io;
        beast::tcp_stream stream(io);
        stream.expires_after(timeout);
        net::ip::tcp::resolver resolver(io);
        stream.connect(resolver.resolve(server.host, std::to_string(server.port)));

        http::request<http::string_body> request{http::string_to_verb(method), target, 11};
        request.set(http::field::host, server.authority);
        if (!bearer_token.empty()) request.set(http::field::authorization, "Bearer " + bearer_token);
        request.prepare_payload();
        http::write(stream, request);

        beast::flat_buffer buffer;
        http::response<http::string_body> response;
        http::read(stream, buffer, response);
        beast::error_code ignored;
        stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
        return HttpReply{response.result_int(), std::move(response.body())};
    } catch (const std::exception& e) {
        throw std::runtime_error(method + " " + where + ": " + e.what());
    }
}

}  // namespace isapi::loadgen
