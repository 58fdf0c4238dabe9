#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1, port 0, that misbehaves on purpose so
// the client's error classes can be checked against real sockets. One thread
// accepts and one thread serves each connection; the destructor stops and
// joins them all, so no test leaves a thread or a socket behind.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace isapi::loadgen::test {

enum class Fault {
    ok,                  // 200 "ok" with X-Isapi-Build: build-A, keep-alive
    close_mid_response,  // promises 100 bytes, sends 3, closes
    reset_mid_response,  // sends half a status line, then resets
    never_answer,        // reads the request and holds the connection silently
    slow,                // answers 200 after `delay`
    status_503,          // 503 with an empty body
    reset_idle,          // answers the first request of a connection, resets on the second
    stall_once,          // answers at once, except a 1 s server-wide stall from request `stall_at`
};

class FaultServer {
public:
    explicit FaultServer(Fault fault, std::chrono::milliseconds delay = std::chrono::milliseconds(0),
                         int stall_at = 0);
    ~FaultServer();
    FaultServer(const FaultServer&) = delete;
    FaultServer& operator=(const FaultServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url(const std::string& path = "/") const;
    int requests_seen() const { return requests_.load(); }
    // Request lines ("GET /a HTTP/1.1") in the order they arrived.
    std::vector<std::string> request_lines();

    // A loopback port with no listener: connecting to it is refused.
    static std::uint16_t closed_port();

private:
    void accept_loop();
    void serve(int fd);
    bool wait_or_stop(std::chrono::steady_clock::time_point until);

    Fault fault_;
    std::chrono::milliseconds delay_;
    int stall_at_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> requests_{0};
    std::mutex mutex_;
    std::condition_variable stop_cv_;
    std::set<int> open_fds_;
    std::vector<std::string> lines_;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
    std::chrono::steady_clock::time_point stall_until_{};
};

}  // namespace isapi::loadgen::test
