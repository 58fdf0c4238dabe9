#pragma once
// Serves the AdminApi over HTTP/1.1 on its own listening socket (--admin),
// apart from the extension front end, so no extension mapping can reach it
// and it cannot reach an extension. Not a hot path: small and plain, with a
// deadline on every read and write and small request limits.
#include "admin_api.hpp"

#include "../server/listener.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace isapi::host {

class AdminServer {
public:
    // Binds and listens now; throws std::system_error naming the address when
    // it cannot (fail fast at setup).
    AdminServer(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint, const AdminApi& api);

    void start();
    void stop();
    boost::asio::ip::tcp::endpoint local_endpoint() const;

private:
    std::shared_ptr<Listener> listener_;
};

}  // namespace isapi::host
