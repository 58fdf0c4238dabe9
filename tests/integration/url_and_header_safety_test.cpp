// What an attacker-style client or extension cannot do to a real isapi-host:
// reach a file outside --root through dot segments in the URL, or split a
// response with the header text or body an extension writes. Tagged
// [samples], so ctest runs it in process and through worker processes.
#include "test_support.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

using namespace isapi::itest;
using namespace std::chrono_literals;

namespace {

void write_file(const std::filesystem::path& file, const std::string& content)
{
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
}

// Sends one raw request and reads until the host closes the connection or
// `limit` passes: every byte the host sent, whatever its framing says.
std::string exchange_raw(const HostProcess& host, const std::string& request, std::chrono::milliseconds limit)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    timeval timeout{static_cast<time_t>(limit.count() / 1000), static_cast<suseconds_t>(limit.count() % 1000 * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(host.port());
    ::inet_pton(AF_INET, host.address().c_str(), &address.sin_addr);
    std::string received;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        char buffer[4096];
        while (std::chrono::steady_clock::now() < deadline) {
            const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
            if (n <= 0) break;  // closed, or the receive timeout passed
            received.append(buffer, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    return received;
}

}  // namespace

TEST_CASE("dot segments are resolved before routing: /x/../hello.dll is hello", "[integration][samples]")
{
    auto host = start_host_with_samples();
    auto client = client_for(*host);
    const auto response = client.get("/x/../hello.dll");
    CHECK(response.status == 200);
    CHECK(response.body == "Hello from ISAPI\n");
    CHECK(client.get("/x/%2e%2E/hello.dll").status == 200);
    CHECK(client.get("/hello.dll/../../etc/passwd").status == 400);
}

TEST_CASE("the transmit sample cannot serve a file outside --root", "[integration][samples]")
{
    TempDir outer;
    const std::string secret = "a secret next to the site root\n";
    write_file(outer.path() / "secret.txt", secret);
    write_file(outer.path() / "site" / "named.txt", "inside the root\n");
    auto host = start_host_with_samples({"--root", (outer.path() / "site").string()});
    auto client = client_for(*host);

    for (const std::string& target : std::vector<std::string>{"/transmit.dll/../x?file=secret.txt", "/transmit.dll/..%2Fx?file=secret.txt",
                                     "/transmit.dll/a/../../x?file=secret.txt",
                                     "/transmit.dll/..%2F..%2Fx?file=secret.txt",
                                     "/transmit.dll/page.htm?file=" + (outer.path() / "secret.txt").string()}) {
        INFO(target);
        const auto response = client.get(target);
        CHECK(response.status != 200);
        CHECK(response.body.find("secret") == std::string::npos);
    }
    // Dot segments that stay inside the root still reach the sample.
    const auto inside = client.get("/transmit.dll/a/./b/../../page.htm?file=named.txt");
    CHECK(inside.status == 200);
    CHECK(inside.body == "--- head ---\ninside the root\n--- tail ---\n");
}

TEST_CASE("an extension cannot split its response with a bare CR or bytes past its Content-Length",
          "[integration][samples]")
{
    auto host = start_host(map_arg("/split.dll", ISAPI_TEST_SPLIT_HEADER));
    const std::string bytes = exchange_raw(*host, "GET /split.dll HTTP/1.1\r\nHost: x\r\n\r\n", 5000ms);
    INFO(bytes);
    const auto head_end = bytes.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    CHECK(bytes.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(bytes.find("Content-Length: 2\r\n") < head_end);
    // Nothing after the two body bytes, and no header the extension forged.
    CHECK(bytes.substr(head_end + 4) == "ok");
    CHECK(bytes.find("X-Injected") == std::string::npos);
    CHECK(bytes.find("Smuggled") == std::string::npos);
    CHECK(bytes.find('\r', 0) == bytes.find("\r\n"));  // the first CR is a line end
    CHECK(wait_until(
        [&] {
            const std::string log = host->output();
            return log.find("bad_response_header") != std::string::npos &&
                   log.find("body_past_content_length") != std::string::npos;
        },
        5s));
}
