#pragma once
// A tiny synchronous HTTP/1.1 client over Boost.Beast for integration tests.
// One connection, reused across requests while the server keeps it alive;
// every operation has a deadline, so a silent server fails a test instead of
// hanging it.
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace isapi::itest {

struct HttpResponse {
    unsigned status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // in the order received
    std::string body;
    bool keep_alive = false;

    // The first header with this name (case-insensitive), if any.
    std::optional<std::string> header(const std::string& name) const;
};

struct HttpRequest {
    std::string method = "GET";
    std::string target = "/";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // Send the body with Transfer-Encoding: chunked, in chunks of this size
    // (0: send it with a Content-Length).
    std::size_t chunk_size = 0;
};

class HttpClient {
public:
    HttpClient(std::string host, std::uint16_t port,
               std::chrono::milliseconds timeout = std::chrono::seconds(15));
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Sends the request (connecting first if needed) and reads the whole
    // response. Throws boost::system::system_error on a network failure or
    // when the deadline passes.
    HttpResponse send(const HttpRequest& request);
    HttpResponse get(const std::string& target) { return send({"GET", target, {}, {}, 0}); }

    // For malformed or partial requests: write raw bytes, or read whatever
    // response comes back.
    void connect();
    void write_raw(const std::string& bytes);
    HttpResponse read_response();

    bool is_open() const;
    void close();
    std::size_t connections_made() const { return connections_made_; }

private:
    template <class Operation>
    void run_with_deadline(Operation&& start);

    std::string host_;
    std::uint16_t port_;
    std::chrono::milliseconds timeout_;
    boost::asio::io_context io_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    bool open_ = false;
    std::size_t connections_made_ = 0;
};

}  // namespace isapi::itest
