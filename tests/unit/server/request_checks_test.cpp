// The front end's refusals, without sockets: the parser fed bytes, then the
// checks Beast leaves to the server.
#include "server/limits.hpp"
#include "server/request_checks.hpp"
#include "server/request_parser.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <string>

namespace http = boost::beast::http;
using isapi::host::BoundedRequestParser;
using isapi::host::refusal_for_header;
using isapi::host::refusal_for_parse_error;

namespace {

// What the session would answer to `bytes`: 0 when it would dispatch the
// request (or when the request is still incomplete: `complete` says which).
struct Outcome {
    unsigned status = 0;
    bool complete = false;
};

Outcome feed(const std::string& bytes, std::size_t header_limit = 16 * 1024, std::uint64_t body_limit = 1024 * 1024) {
    BoundedRequestParser<http::buffer_body> parser(static_cast<std::uint32_t>(header_limit));
    parser.body_limit(body_limit);
    boost::beast::flat_buffer buffer(isapi::host::request_read_buffer_limit(header_limit));
    std::size_t offered = 0;
    char body[4096];
    boost::beast::error_code ec;
    while (!parser.is_done()) {
        // The socket's part: copy what fits into the bounded buffer.
        const std::size_t room = buffer.max_size() - buffer.size();
        const std::size_t n = std::min(room, bytes.size() - offered);
        if (n == 0 && offered < bytes.size()) return {refusal_for_parse_error(http::error::buffer_overflow).status, false};
        auto space = buffer.prepare(n);
        std::memcpy(space.data(), bytes.data() + offered, n);
        buffer.commit(n);
        offered += n;
        while (!parser.is_done()) {
            if (parser.is_header_done()) {
                if (auto refusal = refusal_for_header(parser.get(), parser.get().version())) return {refusal.status, true};
                parser.get().body().data = body;
                parser.get().body().size = sizeof body;
            }
            const std::size_t used = parser.put(buffer.data(), ec);
            buffer.consume(used);
            if (ec == http::error::need_buffer) ec = {};
            if (ec == http::error::need_more) {
                ec = {};
                break;
            }
            if (ec) {
                const auto unparsed = std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size());
                return {refusal_for_parse_error(ec, unparsed).status, true};
            }
            if (used == 0 && !parser.is_done() && !parser.is_header_done()) break;
        }
        if (offered == bytes.size() && !parser.is_done()) {
            if (parser.is_header_done())
                if (auto refusal = refusal_for_header(parser.get(), parser.get().version())) return {refusal.status, true};
            return {0, false};
        }
    }
    if (auto refusal = refusal_for_header(parser.get(), parser.get().version())) return {refusal.status, true};
    return {0, true};
}

std::string chunked(const std::string& extra_headers, const std::string& body_part) {
    return "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n" + extra_headers + "\r\n" + body_part;
}

}  // namespace

TEST_CASE("a plain request passes every check") {
    const auto out = feed("GET /hello.dll HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(out.status == 0);
    CHECK(out.complete);
}

TEST_CASE("a field value over 65,534 bytes is 431, not an exception, even under a large header limit") {
    const std::string big(70'000, 'a');
    CHECK(feed("GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + big + "\r\n\r\n", 200'000).status == 431);
    // In the trailer, after a body, on the default limit.
    CHECK(feed(chunked("", "1\r\nx\r\n0\r\nX-Trailer: " + std::string(65'600, 'b') + "\r\n\r\n")).status == 431);
    CHECK(feed(chunked("", "1\r\nx\r\n0\r\nX-Trailer: " + std::string(65'600, 'b') + "\r\n\r\n"), 200'000).status == 431);
}

TEST_CASE("the trailer counts against the header limit") {
    std::string trailer;
    for (int i = 0; i < 10; ++i) trailer += "X-T" + std::to_string(i) + ": " + std::string(1000, 'c') + "\r\n";
    CHECK(feed(chunked("", "1\r\nx\r\n0\r\n" + trailer + "\r\n"), 4096).status == 431);
    CHECK(feed(chunked("", "1\r\nx\r\n0\r\n" + trailer + "\r\n"), 64 * 1024).status == 0);
}

TEST_CASE("a chunk extension longer than the read buffer is refused before it is held") {
    const std::string ext(64 * 1024, 'e');
    CHECK(feed(chunked("", "1;x=" + ext + "\r\nx\r\n0\r\n\r\n")).status == 431);
}

TEST_CASE("invalid chunk sizes are 400") {
    for (const char* bad : {"zz\r\n", "-3\r\n", "0x3\r\n", "ffffffffffffffffff\r\n", "3\r\nabcXYZ"}) {
        INFO(bad);
        CHECK(feed(chunked("", std::string(bad) + "\r\n")).status == 400);
    }
}

TEST_CASE("a chunked body over the body limit is 413") {
    CHECK(feed(chunked("", "800\r\n" + std::string(0x800, 'd') + "\r\n0\r\n\r\n"), 16 * 1024, 1000).status == 413);
}

TEST_CASE("HTTP/1.1 needs exactly one Host; HTTP/1.0 at most one") {
    CHECK(feed("GET / HTTP/1.1\r\n\r\n").status == 400);
    CHECK(feed("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status == 400);
    CHECK(feed("GET / HTTP/1.0\r\n\r\n").status == 0);
    CHECK(feed("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n").status == 400);
}

TEST_CASE("only exactly chunked is accepted as a transfer coding") {
    const auto with = [](const std::string& te) {
        return feed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: " + te + "\r\n\r\n0\r\n\r\n").status;
    };
    CHECK(with("chunked") == 0);
    CHECK(with("Chunked") == 0);
    CHECK(with("gzip") == 400);
    CHECK(with("xchunked") == 400);
    CHECK(with("chunked, identity") == 400);
    CHECK(with("gzip, chunked") == 501);
    CHECK(with("chunked, chunked") == 400);
    CHECK(feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").status == 400);
    CHECK(feed("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n").status == 400);
    CHECK(feed("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").status == 400);
}

TEST_CASE("a field of exactly 65,534 bytes with its name is the longest accepted") {
    // Beast throws std::length_error for a name or value of 65,534 bytes, so
    // the limit must come before it for names and values alike.
    const auto field_of = [](std::size_t name, std::size_t value) {
        return "GET / HTTP/1.1\r\nHost: h\r\n" + std::string(name, 'n') + ": " + std::string(value, 'v') + "\r\n\r\n";
    };
    CHECK(feed(field_of(1, 65'531), 200'000).status == 0);
    CHECK(feed(field_of(1, 65'532), 200'000).status == 431);
    CHECK(feed(field_of(65'534, 1), 200'000).status == 431);
    CHECK(feed(field_of(1, 65'534), 200'000).status == 431);
}

TEST_CASE("a well-formed version other than HTTP/1.0 and HTTP/1.1 is 505, a malformed one 400") {
    CHECK(feed("GET / HTTP/2.0\r\nHost: h\r\n\r\n").status == 505);
    CHECK(feed("GET / HTTP/1.2\r\nHost: h\r\n\r\n").status == 505);
    CHECK(feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n").status == 0);
    // Not a version at all: malformed, 400.
    CHECK(feed("NOT HTTP AT ALL\r\n\r\n").status == 400);
    CHECK(feed("GET / HTTP/x.y\r\nHost: h\r\n\r\n").status == 400);
}
