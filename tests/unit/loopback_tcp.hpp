#pragma once
// A TCP connection over the loopback interface, for unit tests of what only
// TCP has (the kernel's byte counts): both ends' descriptors, closed by the
// caller. POSIX only; Catch2's REQUIRE stops the test when the OS refuses.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace isapi::test {

struct LoopbackTcp {
    int client = -1;
    int server = -1;
};

inline LoopbackTcp loopback_tcp() {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener, 1) == 0);
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    LoopbackTcp ends;
    ends.client = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(::connect(ends.client, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ends.server = ::accept(listener, nullptr, nullptr);
    ::close(listener);
    REQUIRE(ends.server >= 0);
    return ends;
}

}  // namespace isapi::test
