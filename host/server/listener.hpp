#pragma once
// Accepts connections and starts a session for each.
#include "dispatcher.hpp"
#include "limits.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>

namespace isapi::host {

class Listener : public std::enable_shared_from_this<Listener> {
public:
    // Binds and listens now; throws std::system_error with a clear message
    // when the address cannot be used (fail fast at setup).
    Listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint, const ServerLimits& limits,
             Dispatcher& dispatcher);

    void start();
    // Stops accepting. Open connections are not touched: one may be starting
    // its next read on a pool thread right now; the host answers requests
    // that arrive during shutdown with 503 and closes them when it exits.
    void stop();
    boost::asio::ip::tcp::endpoint local_endpoint() const;

private:
    void do_accept();

    boost::asio::io_context& io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    const ServerLimits& limits_;
    Dispatcher& dispatcher_;
};

}  // namespace isapi::host
