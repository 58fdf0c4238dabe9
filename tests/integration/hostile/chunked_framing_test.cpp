// Broken or oversized chunked framing (RFC 9112 §7.1): a chunk size that is
// not plain hex, overflows, or is not followed by its CRLF gets 400; a body
// past --max-body-bytes gets 413 however it is chunked. Each refusal closes
// the connection, and the host serves on.
#include "hostile_host.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

using namespace isapi::itest::hostile;
using namespace std::chrono_literals;

namespace {

std::string chunked_post(const std::string& chunks) {
    return request_start("POST", "/echo.dll") + "Transfer-Encoding: chunked\r\n\r\n" + chunks;
}

std::string chunk(std::size_t size, char fill) {
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zx", size);
    return std::string(hex) + "\r\n" + std::string(size, fill) + "\r\n";
}

}  // namespace

TEST_CASE("Invalid chunk sizes get 400 and the host lives on", "[hostile]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    INFO("isolation " << isolation);
    HostileHost host(isolation);

    const std::vector<std::pair<const char*, std::string>> cases = {
        {"not hex", "zz\r\nabc\r\n0\r\n\r\n"},
        {"negative", "-3\r\nabc\r\n0\r\n\r\n"},
        {"0x prefix", "0x3\r\nabc\r\n0\r\n\r\n"},
        {"overflows 64 bits", "fffffffffffffffff\r\nabc\r\n0\r\n\r\n"},
        {"data without its CRLF", "3\r\nabc0\r\n\r\n"},
    };
    for (const auto& [name, chunks] : cases) {
        INFO("chunk framing: " << name);
        check_refused(send_and_read_to_close(host, chunked_post(chunks)), 400);
    }
    check_still_serving(host);

    // Control: the same body, framed correctly, is echoed.
    const auto responses = send_and_read_responses(host, chunked_post("3\r\nabc\r\n0\r\n\r\n"));
    INFO("well-framed: " << statuses_of(responses));
    REQUIRE(responses.size() == 1);
    CHECK(responses.front().status == 200);
    CHECK(responses.front().body == "abc");
}

TEST_CASE("A body over --max-body-bytes gets 413, chunked or not", "[hostile]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    INFO("isolation " << isolation);
    HostileHost host(isolation, {"--max-body-bytes", "1024"});

    const std::vector<std::pair<const char*, std::string>> cases = {
        {"one chunk of 2000", chunked_post(chunk(2000, 'a') + "0\r\n\r\n")},
        {"four chunks of 512", chunked_post(chunk(512, 'b') + chunk(512, 'c') + chunk(512, 'd') + chunk(512, 'e') +
                                            "0\r\n\r\n")},
        {"Content-Length 2000", request_start("POST", "/echo.dll") + "Content-Length: 2000\r\n\r\n" +
                                    std::string(2000, 'f')},
    };
    for (const auto& [name, request] : cases) {
        INFO("body: " << name);
        check_refused(send_and_read_to_close(host, request), 413);
    }
    check_still_serving(host);

    // Control: exactly the limit, chunked, is echoed whole.
    const auto responses = send_and_read_responses(host, chunked_post(chunk(512, 'g') + chunk(512, 'h') + "0\r\n\r\n"));
    INFO("1024 bytes chunked: " << statuses_of(responses));
    REQUIRE(responses.size() == 1);
    CHECK(responses.front().status == 200);
    CHECK(responses.front().body.size() == 1024);
}
