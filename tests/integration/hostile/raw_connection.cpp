#include "raw_connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace isapi::itest::hostile {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

std::optional<std::size_t> content_length(std::string_view head) {
    static constexpr std::string_view name = "\r\ncontent-length:";
    for (std::size_t i = 0; i + name.size() <= head.size(); ++i) {
        bool match = true;
        for (std::size_t k = 0; k < name.size() && match; ++k)
            match = std::tolower(static_cast<unsigned char>(head[i + k])) == name[k];
        if (!match) continue;
        std::size_t p = i + name.size();
        while (p < head.size() && (head[p] == ' ' || head[p] == '\t')) ++p;
        std::size_t value = 0;
        while (p < head.size() && std::isdigit(static_cast<unsigned char>(head[p]))) value = value * 10 + (head[p++] - '0');
        return value;
    }
    return std::nullopt;
}

unsigned status_of(std::string_view head) {
    // "HTTP/1.1 431 ..." : the code is at offset 9.
    if (head.size() < 12 || head.substr(0, 5) != "HTTP/") return 0;
    unsigned code = 0;
    for (std::size_t i = 9; i < 12; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(head[i]))) return 0;
        code = code * 10 + static_cast<unsigned>(head[i] - '0');
    }
    return code;
}

}  // namespace

std::vector<RawResponse> complete_responses(std::string_view bytes, bool closed) {
    std::vector<RawResponse> found;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const auto end = bytes.find("\r\n\r\n", pos);
        if (end == std::string_view::npos) break;
        RawResponse response;
        response.head = std::string(bytes.substr(pos, end + 2 - pos));
        response.status = status_of(response.head);
        const std::size_t body_start = end + 4;
        const bool interim = response.status >= 100 && response.status < 200;
        const auto length = interim ? std::optional<std::size_t>(0) : content_length(response.head);
        if (!length) {
            if (!closed) break;
            response.body = std::string(bytes.substr(body_start));
            found.push_back(std::move(response));
            break;
        }
        if (body_start + *length > bytes.size()) break;
        response.body = std::string(bytes.substr(body_start, *length));
        found.push_back(std::move(response));
        pos = body_start + *length;
    }
    return found;
}

RawConnection::RawConnection(std::uint16_t port, std::chrono::milliseconds timeout) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS) {
        const int error = errno;
        ::close(fd_);
        throw std::runtime_error(std::string("connect: ") + std::strerror(error));
    }
    pollfd p{fd_, POLLOUT, 0};
    int error = 0;
    socklen_t size = sizeof error;
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1 ||
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &size) != 0 || error != 0) {
        ::close(fd_);
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + " failed or timed out" +
                                 (error ? std::string(": ") + std::strerror(error) : std::string()));
    }
}

RawConnection::~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::drain_available() {
    char buffer[64 * 1024];
    for (;;) {
        const auto n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n > 0) {
            transcript_.bytes.append(buffer, static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
        if (n < 0 && errno == EINTR) continue;
        transcript_.closed = true;
        transcript_.reset = n < 0 && errno == ECONNRESET;
        return false;
    }
}

std::size_t RawConnection::send_pieces(std::string_view piece, std::size_t total, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::size_t sent = 0;
    while (sent < total && !transcript_.closed && fd_ >= 0) {
        pollfd p{fd_, POLLOUT | POLLIN, 0};
        const int ready = ::poll(&p, 1, remaining_ms(deadline));
        if (ready == 0) break;  // the deadline passed with the socket still full
        if (ready < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if ((p.revents & (POLLIN | POLLHUP | POLLERR)) && !drain_available()) break;
        if (!(p.revents & POLLOUT)) continue;
        const std::size_t offset = sent % piece.size();
        const std::size_t size = std::min(piece.size() - offset, total - sent);
        const auto n = ::send(fd_, piece.data() + offset, size, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            // The server went away under us: keep what it said before.
            drain_available();
            transcript_.closed = true;
            transcript_.reset = transcript_.reset || errno == ECONNRESET;
        }
    }
    return sent;
}

std::size_t RawConnection::send(std::string_view bytes, std::chrono::milliseconds timeout) {
    return bytes.empty() ? 0 : send_pieces(bytes, bytes.size(), timeout);
}

std::size_t RawConnection::send_filler(char fill, std::size_t count, std::chrono::milliseconds timeout) {
    const std::string piece(64 * 1024, fill);
    return send_pieces(piece, count, timeout);
}

void RawConnection::wait_readable(std::chrono::milliseconds timeout) {
    if (fd_ < 0 || transcript_.closed) return;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) > 0) drain_available();
}

const Transcript& RawConnection::read_until_close(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (fd_ >= 0 && !transcript_.closed && Clock::now() < deadline) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, remaining_ms(deadline)) > 0) drain_available();
    }
    return transcript_;
}

std::vector<RawResponse> RawConnection::read_responses(std::size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        auto found = responses();
        if (found.size() >= count || transcript_.closed || fd_ < 0 || Clock::now() >= deadline) return found;
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, remaining_ms(deadline)) > 0) drain_available();
    }
}

void RawConnection::close() {
    if (fd_ < 0) return;
    ::shutdown(fd_, SHUT_WR);
    ::close(fd_);
    fd_ = -1;
}

void RawConnection::reset() {
    if (fd_ < 0) return;
    const linger abortive{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
    ::close(fd_);
    fd_ = -1;
}

}  // namespace isapi::itest::hostile
