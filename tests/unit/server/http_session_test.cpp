// HttpSession and its two transports over a loopback connection, with a
// scripted dispatcher in place of the real ones: the relay path as the
// worker-process front end drives it, the blocking path as a pool thread
// drives it in process, and keep-alive after each.
#include <server/http_session.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace net = boost::asio;
using isapi::host::ClientConnection;
using isapi::host::Dispatcher;
using isapi::host::HttpSession;
using namespace std::chrono_literals;

namespace {

constexpr auto kPatience = 10s;

class ScriptedDispatcher final : public Dispatcher {
public:
    using Script = std::function<void(isapi::ecb::Request, std::shared_ptr<ClientConnection>)>;
    explicit ScriptedDispatcher(Script script) : script_(std::move(script)) {}
    bool submit(isapi::ecb::Request&& request, std::shared_ptr<ClientConnection> connection) override {
        script_(std::move(request), std::move(connection));
        return true;
    }

private:
    Script script_;
};

// One session on a loopback connection; its io_context runs on a thread of
// its own, and the test is the client.
class Loopback {
public:
    explicit Loopback(Dispatcher& dispatcher) {
        net::ip::tcp::acceptor acceptor(io_, {net::ip::make_address("127.0.0.1"), 0});
        client_.connect(acceptor.local_endpoint());
        std::make_shared<HttpSession>(acceptor.accept(), limits_, dispatcher)->start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~Loopback() {
        io_.stop();
        thread_.join();
    }

    void send(const std::string& bytes) { net::write(client_, net::buffer(bytes)); }

    // Exactly `size` bytes from the session, or "" when they do not come in time.
    std::string receive(std::size_t size) {
        auto bytes = std::make_shared<std::string>(size, '\0');
        auto done = std::make_shared<std::promise<bool>>();
        auto result = done->get_future();
        net::async_read(client_, net::buffer(*bytes),
                        [bytes, done](boost::system::error_code ec, std::size_t) { done->set_value(!ec); });
        if (result.wait_for(kPatience) != std::future_status::ready || !result.get()) return {};
        return *bytes;
    }

    // Whether the session closes the connection (in time) with no more bytes.
    bool receive_end() {
        auto byte = std::make_shared<char>();
        auto done = std::make_shared<std::promise<bool>>();
        auto result = done->get_future();
        client_.async_read_some(net::buffer(byte.get(), 1), [byte, done](boost::system::error_code ec, std::size_t n) {
            done->set_value(n == 0 && ec == net::error::eof);
        });
        return result.wait_for(kPatience) == std::future_status::ready && result.get();
    }

    void close_client() { client_.close(); }

private:
    net::io_context io_;
    net::executor_work_guard<net::io_context::executor_type> work_ = net::make_work_guard(io_);
    isapi::host::ServerLimits limits_;
    net::ip::tcp::socket client_{io_};
    std::thread thread_;
};

std::string response_head(std::size_t length) {
    return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

std::string get(const std::string& target) { return "GET " + target + " HTTP/1.1\r\nHost: test\r\n\r\n"; }

}  // namespace

TEST_CASE("the relay path keeps the connection, then writes queued sends in order before it closes") {
    // Megabytes, so that some of it waits in the queue for the client.
    const std::array<std::string, 4> parts{std::string(2 << 20, 'a'), std::string(2 << 20, 'b'),
                                           std::string(2 << 20, 'c'), std::string(2 << 20, 'd')};
    std::size_t body_size = 0;
    for (const auto& part : parts) body_size += part.size();
    std::atomic<int> written_ok{0};
    ScriptedDispatcher dispatcher([&](isapi::ecb::Request request, std::shared_ptr<ClientConnection> connection) {
        if (request.unencoded_url == "/first") {
            connection->send_async(response_head(2) + "ok", {});
            connection->finish_async(true, false);
            return;
        }
        connection->send_async(response_head(body_size), [&](bool ok) { written_ok += ok ? 1 : 0; });
        for (const auto& part : parts) connection->send_async(part, [&](bool ok) { written_ok += ok ? 1 : 0; });
        CHECK(connection->response_started());
        connection->finish_async(false, false);
    });
    Loopback loopback(dispatcher);

    loopback.send(get("/first"));
    CHECK(loopback.receive(response_head(2).size() + 2) == response_head(2) + "ok");
    loopback.send(get("/big"));
    std::string expected = response_head(body_size);
    for (const auto& part : parts) expected += part;
    CHECK(loopback.receive(expected.size()) == expected);
    CHECK(loopback.receive_end());
    CHECK(written_ok == 5);
}

TEST_CASE("the relay path tells the dispatcher when the client leaves during a request") {
    std::promise<void> dispatched, gone;
    std::shared_ptr<ClientConnection> held;  // the request never ends on its own
    ScriptedDispatcher dispatcher([&](isapi::ecb::Request, std::shared_ptr<ClientConnection> connection) {
        connection->notify_when_gone([&] { gone.set_value(); });
        held = std::move(connection);
        dispatched.set_value();
    });
    Loopback loopback(dispatcher);
    loopback.send(get("/wait"));
    // A close before the watch starts would be read as the end of a request.
    REQUIRE(dispatched.get_future().wait_for(kPatience) == std::future_status::ready);
    auto left = gone.get_future();
    CHECK(left.wait_for(50ms) == std::future_status::timeout);  // still there
    loopback.close_client();
    CHECK(left.wait_for(kPatience) == std::future_status::ready);
}

TEST_CASE("the blocking path reads a body past the preload on another thread, answers, and keeps the connection") {
    std::string body(100'000, '\0');
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
    std::mutex threads_mutex;
    std::vector<std::thread> pool_threads;
    ScriptedDispatcher dispatcher([&](isapi::ecb::Request request, std::shared_ptr<ClientConnection> connection) {
        std::lock_guard lock(threads_mutex);
        // As the in-process dispatcher hands a request to a pool thread.
        pool_threads.emplace_back([request = std::move(request), connection = std::move(connection)]() mutable {
            std::string received = request.preloaded_body;
            std::array<char, 1000> chunk;
            for (int reads = 0; reads < 1000; ++reads) {
                const auto got = connection->receive(chunk);
                if (!got || *got == 0) break;
                received.append(chunk.data(), *got);
            }
            const std::string head = response_head(received.size());
            const std::array<std::string_view, 2> pieces{head, received};
            CHECK(connection->send(pieces));
            connection->finish(true, false);
        });
    });
    {
        Loopback loopback(dispatcher);
        REQUIRE(body.size() > isapi::ecb::kReadAhead);
        loopback.send("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n\r\n" + body);
        CHECK(loopback.receive(response_head(body.size()).size() + body.size()) == response_head(body.size()) + body);
        loopback.send(get("/again"));
        CHECK(loopback.receive(response_head(0).size()) == response_head(0));
        std::lock_guard lock(threads_mutex);
        for (auto& thread : pool_threads) thread.join();
    }
}
