#include "listener.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include <system_error>

namespace isapi::host {

namespace net = boost::asio;

Listener::Listener(net::io_context& io, const net::ip::tcp::endpoint& endpoint, std::string what,
                   SessionFactory start_session, bool strand_per_socket)
    : io_(io),
      acceptor_(io),
      what_(std::move(what)),
      start_session_(std::move(start_session)),
      strand_per_socket_(strand_per_socket) {
    boost::system::error_code ec;
    auto check = [&](const char* step) {
        if (ec)
            throw std::system_error(ec, what_ + " cannot " + step + " " + endpoint.address().to_string() + ":" +
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
    const auto executor = strand_per_socket_ ? net::any_io_executor(net::make_strand(io_)) : io_.get_executor();
    acceptor_.async_accept(executor, [self = shared_from_this()](boost::system::error_code ec,
                                                                  net::ip::tcp::socket socket) {
        if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) return;
        if (!ec) {
            self->start_session_(std::move(socket));
            return self->do_accept();
        }
        // Out of descriptors or similar: back off instead of spinning.
        spdlog::warn("{} cannot accept: {}; retrying in 50 ms", self->what_, ec.message());
        auto timer = std::make_shared<net::steady_timer>(self->io_, std::chrono::milliseconds(50));
        timer->async_wait([self, timer](boost::system::error_code) { self->do_accept(); });
    });
}

}  // namespace isapi::host
