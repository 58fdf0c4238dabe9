#pragma once
// Serves the AdminApi over HTTP/1.1 on its own listening socket (--admin),
// apart from the extension front end, so no extension mapping can reach it
// and it cannot reach an extension. Not a hot path: small and plain, with a
// deadline on every read and write and small request limits.
#include "admin_api.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace isapi::host {

class AdminServer : public std::enable_shared_from_this<AdminServer> {
public:
    // Binds and listens now; throws std::system_error naming the address when
    // it cannot (fail fast at setup).
    AdminServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint, const AdminApi& api);

    void start();
    void stop();
    boost::asio::ip::tcp::endpoint local_endpoint() const;

private:
    void do_accept();

    boost::asio::io_context& io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    const AdminApi& api_;
};

}  // namespace isapi::host
