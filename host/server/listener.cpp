#include "listener.hpp"

#include "http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <system_error>

namespace isapi::host {

namespace net = boost::asio;

Listener::Listener(net::io_context& io, const net::ip::tcp::endpoint& endpoint, const ServerLimits& limits,
                   Dispatcher& dispatcher)
    : io_(io), acceptor_(io), limits_(limits), dispatcher_(dispatcher) {
    boost::system::error_code ec;
    auto check = [&](const char* what) {
        if (ec)
            throw std::system_error(ec, std::string("cannot ") + what + " " + endpoint.address().to_string() + ":" +
                                            std::to_string(endpoint.port()));
    };
    acceptor_.open(endpoint.protocol(), ec);
    check("open a socket for");
    acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    acceptor_.bind(endpoint, ec);
    check("bind");
    acceptor_.listen(net::socket_base::max_listen_connections, ec);
    check("listen on");
}

net::ip::tcp::endpoint Listener::local_endpoint() const { return acceptor_.local_endpoint(); }

void Listener::start() { do_accept(); }

void Listener::stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ec;
        self->acceptor_.close(ec);
    });
}

void Listener::do_accept() {
    acceptor_.async_accept(net::make_strand(io_), [self = shared_from_this()](boost::system::error_code ec,
                                                                               net::ip::tcp::socket socket) {
        if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
        if (!ec) {
            std::make_shared<HttpSession>(std::move(socket), self->limits_, self->dispatcher_)->start();
            return self->do_accept();
        }
        // Out of descriptors or similar: back off instead of spinning.
        spdlog::warn("accept failed: {}; retrying in 50 ms", ec.message());
        auto timer = std::make_shared<net::steady_timer>(self->io_, std::chrono::milliseconds(50));
        timer->async_wait([self, timer](boost::system::error_code) { self->do_accept(); });
    });
}

}  // namespace isapi::host
