#pragma once
// Accepts connections on one address and hands each socket to a session
// factory: the extension front end and the admin API share it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>

namespace isapi::host {

class Listener : public std::enable_shared_from_this<Listener> {
public:
    using SessionFactory = std::function<void(boost::asio::ip::tcp::socket)>;

    // Binds and listens now; throws std::system_error naming `what` and the
    // address when it cannot (fail fast at setup). With `strand_per_socket`,
    // each socket's handlers run on a strand of their own: needed when
    // several threads run the io_context at once, a cost per operation when
    // only one does (docs/architecture.md, "Threading model").
    Listener(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint, std::string what,
             SessionFactory start_session, bool strand_per_socket = true);

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
    std::string what_;
    SessionFactory start_session_;
    const bool strand_per_socket_;
};

}  // namespace isapi::host
