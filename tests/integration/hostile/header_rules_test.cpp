// Header rules Beast leaves to the server. Host (RFC 9112 §3.2): an HTTP/1.1
// request without one, or any request with two, gets 400. Framing (RFC 9112
// §6.1, §6.3): when chunked is not the last transfer coding the body's end
// is unknowable, 400; a coding we cannot decode before chunked, 501; both
// Content-Length and Transfer-Encoding, 400. A request smuggled in the body
// of a refused request must never be answered: the connection closes.
#include "hostile_host.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

using namespace isapi::itest::hostile;
using namespace std::chrono_literals;

namespace {

// What a front end that trusted the wrong framing would answer separately.
const std::string kSmuggled = "GET /hello.dll HTTP/1.1\r\nHost: t\r\n\r\n";

struct FramingCase {
    const char* name;
    std::string header;  // the framing fields, each ending in CRLF
    unsigned status;
    const char* version = "HTTP/1.1";
};

}  // namespace

TEST_CASE("A missing Host on HTTP/1.1 or a repeated Host gets 400", "[hostile]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    INFO("isolation " << isolation);
    HostileHost host(isolation);

    const std::vector<std::pair<const char*, std::string>> cases = {
        {"HTTP/1.1 without Host", "GET /hello.dll HTTP/1.1\r\n\r\n"},
        {"HTTP/1.1 with two Host fields", "GET /hello.dll HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
        {"HTTP/1.0 with two Host fields", "GET /hello.dll HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"},
    };
    for (const auto& [name, request] : cases) {
        INFO(name);
        check_refused(send_and_read_to_close(host, request), 400);
    }
    check_still_serving(host);

    // Control: HTTP/1.0 needs no Host.
    const auto responses = send_and_read_responses(host, "GET /hello.dll HTTP/1.0\r\n\r\n");
    INFO("HTTP/1.0 without Host: " << statuses_of(responses));
    CHECK((responses.size() == 1 && responses.front().status == 200));
}

TEST_CASE("Smuggling transfer codings are refused and the request behind them is never answered", "[hostile]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    INFO("isolation " << isolation);
    HostileHost host(isolation);

    const std::vector<FramingCase> cases = {
        {"gzip alone", "Transfer-Encoding: gzip\r\n", 400},
        {"chunked, identity", "Transfer-Encoding: chunked, identity\r\n", 400},
        {"xchunked", "Transfer-Encoding: xchunked\r\n", 400},
        {"chunked then identity in two fields", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", 400},
        {"chunked twice", "Transfer-Encoding: chunked, chunked\r\n", 400},
        {"gzip, chunked", "Transfer-Encoding: gzip, chunked\r\n", 501},
        {"Content-Length with chunked", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400},
        {"chunked on HTTP/1.0", "Transfer-Encoding: chunked\r\n", 400, "HTTP/1.0"},
    };
    for (const auto& c : cases) {
        INFO("Transfer-Encoding case: " << c.name);
        const std::string request = std::string("POST /hello.dll ") + c.version + "\r\nHost: t\r\n" + c.header +
                                    "\r\n0\r\n\r\n" + kSmuggled;
        check_refused(send_and_read_to_close(host, request), c.status);
    }
    check_still_serving(host);

    // Control: with honest framing the pipelined request is answered, so the
    // single answers above are the refusals at work, not a reader that stops early.
    const auto responses = send_and_read_responses(
        host, request_start("POST", "/hello.dll") + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + kSmuggled, 2);
    INFO("honest chunked + pipelined GET: " << statuses_of(responses));
    CHECK(responses.size() == 2);
    for (const auto& response : responses) CHECK(response.status == 200);
}
