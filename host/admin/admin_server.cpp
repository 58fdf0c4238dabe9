#include "admin_server.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include "server/request_checks.hpp"
#include "server/request_parser.hpp"

#include <chrono>
#include <optional>
#include <system_error>

namespace isapi::host {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kTimeout = std::chrono::seconds(10);
constexpr std::uint32_t kHeaderLimit = 8 * 1024;
constexpr std::uint64_t kBodyLimit = 4 * 1024;

// One admin connection: read a request, answer it, repeat while kept alive.
class AdminSession : public std::enable_shared_from_this<AdminSession> {
public:
    AdminSession(net::ip::tcp::socket socket, const AdminApi& api)
        : stream_(std::move(socket)), api_(api), buffer_(request_read_buffer_limit(kHeaderLimit)) {}

    void start() {
        net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
    }

private:
    void do_read() {
        parser_.emplace(kHeaderLimit);
        parser_->body_limit(kBodyLimit);
        stream_.expires_after(kTimeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec == http::error::end_of_stream || ec == net::error::eof) return close();
        if (ec == beast::error::timeout || ec == net::error::operation_aborted) return close();
        if (ec) {
            // The same answers as the extension port's (431 for a field too large, ...).
            const auto refusal = refusal_for_parse_error(ec);
            auto bad = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(refusal.status), 11);
            bad->set(http::field::content_type, "application/json");
            bad->body() = "{\"error\":\"" + refusal.reason + "\"}\n";
            bad->keep_alive(false);
            bad->prepare_payload();
            return do_write(std::move(bad));
        }
        const auto& request = parser_->get();
        AdminRequest in{std::string(request.method_string()), std::string(request.target()),
                        std::string(request[http::field::authorization])};
        AdminResponse out = api_.handle(in);
        auto response = std::make_shared<http::response<http::string_body>>(
            static_cast<http::status>(out.status), request.version());
        response->set(http::field::server, "isapi-host admin");
        response->set(http::field::content_type, out.content_type);
        response->set(http::field::cache_control, "no-store");
        for (auto& [name, value] : out.headers) response->set(name, value);
        response->body() = std::move(out.body);
        response->keep_alive(request.keep_alive());
        response->prepare_payload();
        do_write(std::move(response));
    }

    void do_write(std::shared_ptr<http::response<http::string_body>> response) {
        stream_.expires_after(kTimeout);
        http::async_write(stream_, *response,
                          [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
                              if (ec || !response->keep_alive()) return self->close();
                              self->do_read();
                          });
    }

    void close() {
        beast::error_code ignored;
        stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
        stream_.close();
    }

    beast::tcp_stream stream_;
    const AdminApi& api_;
    beast::flat_buffer buffer_;
    std::optional<BoundedRequestParser<http::string_body>> parser_;
};

}  // namespace

AdminServer::AdminServer(net::io_context& io, const net::ip::tcp::endpoint& endpoint, const AdminApi& api)
    : listener_(std::make_shared<Listener>(io, endpoint, "the admin API", [&api](net::ip::tcp::socket socket) {
          std::make_shared<AdminSession>(std::move(socket), api)->start();
      })) {}

net::ip::tcp::endpoint AdminServer::local_endpoint() const { return listener_->local_endpoint(); }

void AdminServer::start() { listener_->start(); }

void AdminServer::stop() { listener_->stop(); }

}  // namespace isapi::host
