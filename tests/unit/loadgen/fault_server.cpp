#include "fault_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace isapi::loadgen::test {
namespace {

using Clock = std::chrono::steady_clock;

void send_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        const ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return;
        off += static_cast<std::size_t>(n);
    }
}

// Closes with RST instead of FIN.
void reset(int fd) {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
}

std::size_t content_length(const std::string& head) {
    const auto at = head.find("\r\nContent-Length: ");
    return at == std::string::npos ? 0 : std::stoul(head.substr(at + 18));
}

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Isapi-Build: build-A\r\n\r\nok";

}  // namespace

FaultServer::FaultServer(Fault fault, std::chrono::milliseconds delay, int stall_at)
    : fault_(fault), delay_(delay), stall_at_(stall_at) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket failed");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 128) != 0)
        throw std::runtime_error("bind/listen failed");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

FaultServer::~FaultServer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    {
        std::lock_guard lock(mutex_);
        for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    stop_cv_.notify_all();
    acceptor_.join();
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
    ::close(listen_fd_);
}

std::string FaultServer::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<std::string> FaultServer::request_lines() {
    std::lock_guard lock(mutex_);
    return lines_;
}

std::uint16_t FaultServer::closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);  // bound but never listening, and now closed: connects are refused
    return ntohs(addr.sin_port);
}

void FaultServer::accept_loop() {
    while (!stopping_) {
        const int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) {
            if (stopping_) return;
            continue;
        }
        std::lock_guard lock(mutex_);
        if (stopping_) {
            ::close(fd);
            return;
        }
        open_fds_.insert(fd);
        threads_.emplace_back([this, fd] { serve(fd); });
    }
}

bool FaultServer::wait_or_stop(Clock::time_point until) {
    std::unique_lock lock(mutex_);
    return !stop_cv_.wait_until(lock, until, [this] { return stopping_.load(); });
}

void FaultServer::serve(int fd) {
    std::string pending;
    int on_this_connection = 0;
    bool closed = false;
    char buf[4096];
    while (!stopping_ && !closed) {
        const auto end = pending.find("\r\n\r\n");
        if (end == std::string::npos) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            pending.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        const std::size_t body = content_length(pending.substr(0, end));
        if (pending.size() < end + 4 + body) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            pending.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        {
            std::lock_guard lock(mutex_);
            lines_.push_back(pending.substr(0, pending.find("\r\n")));
        }
        pending.erase(0, end + 4 + body);
        ++on_this_connection;
        const int seen = ++requests_;
        switch (fault_) {
            case Fault::ok: send_all(fd, kOk); break;
            case Fault::close_mid_response:
                send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
                closed = true;
                break;
            case Fault::reset_mid_response:
                send_all(fd, "HTTP/1.1 20");
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                {
                    std::lock_guard lock(mutex_);
                    open_fds_.erase(fd);
                }
                reset(fd);
                return;
            case Fault::never_answer: wait_or_stop(Clock::now() + std::chrono::hours(1)); break;
            case Fault::slow:
                if (wait_or_stop(Clock::now() + delay_)) send_all(fd, kOk);
                break;
            case Fault::status_503: send_all(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"); break;
            case Fault::reset_idle:
                if (on_this_connection == 1) {
                    send_all(fd, kOk);
                    break;
                }
                {
                    std::lock_guard lock(mutex_);
                    open_fds_.erase(fd);
                }
                reset(fd);
                return;
            case Fault::stall_once: {
                Clock::time_point until;
                {
                    std::lock_guard lock(mutex_);
                    if (seen == stall_at_) stall_until_ = Clock::now() + std::chrono::seconds(1);
                    until = stall_until_;
                }
                if (Clock::now() < until && !wait_or_stop(until)) break;
                send_all(fd, kOk);
                break;
            }
        }
    }
    std::lock_guard lock(mutex_);
    open_fds_.erase(fd);
    ::close(fd);
}

}  // namespace isapi::loadgen::test
