// Which byte stream should carry the front end <-> worker frames? Measures a
// request/response round trip (a 600-byte request frame out, a 200-byte
// response frame back, as for hello) over an AF_UNIX socketpair, which the
// host uses, and over loopback TCP with TCP_NODELAY, the portable
// alternative. A thread on the other end echoes, so the
// figure includes the wake-up of the receiving thread, as in the host.
#include "worker_channel_pair.hpp"

#include <benchmark/benchmark.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

namespace {

constexpr std::size_t kRequest = 600, kResponse = 200;

bool read_exact(int fd, char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::read(fd, data, size);
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

std::pair<int, int> tcp_pair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(listener, 1) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0)
        throw std::runtime_error("loopback listener");
    const int client = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(client, reinterpret_cast<sockaddr*>(&address), length) != 0) throw std::runtime_error("connect");
    const int server = ::accept(listener, nullptr, nullptr);
    ::close(listener);
    const int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return {client, server};
}

template <std::pair<int, int> (*MakePair)()>
void BM_RoundTrip(benchmark::State& state) {
    auto [near, far] = MakePair();
    std::thread echo([far = far] {
        char request[kRequest], response[kResponse];
        std::memset(response, 'r', sizeof response);
        while (read_exact(far, request, sizeof request))
            if (::write(far, response, sizeof response) != static_cast<ssize_t>(sizeof response)) break;
    });
    char request[kRequest], response[kResponse];
    std::memset(request, 'q', sizeof request);
    for (auto _ : state) {
        if (::write(near, request, sizeof request) != static_cast<ssize_t>(sizeof request) ||
            !read_exact(near, response, sizeof response)) {
            state.SkipWithError("the echo thread went away");
            break;
        }
    }
    ::shutdown(near, SHUT_RDWR);
    echo.join();
    ::close(near);
    ::close(far);
}

BENCHMARK(BM_RoundTrip<isapi::bench::worker_channel_pair>)->Name("ipc_round_trip/af_unix_socketpair")->UseRealTime();
BENCHMARK(BM_RoundTrip<tcp_pair>)->Name("ipc_round_trip/loopback_tcp_nodelay")->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
