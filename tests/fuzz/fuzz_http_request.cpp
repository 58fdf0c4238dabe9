// The HTTP front end's request handling without a socket: the bytes a client
// sends, cut into pieces at fuzzed points, read the way http_session.cpp
// reads them (BoundedRequestParser, a flat_buffer bounded by
// request_read_buffer_limit, the body into a small buffer_body window), with
// refusal_for_header and refusal_for_parse_error applied, over keep-alive
// requests until one is refused or the bytes run out.
//
// Any exception escaping is a finding: every way a read can fail must be an
// error code the session turns into a status. A request that gets through
// must also meet the rules the checks promise (RFC 9112): exactly one Host on
// HTTP/1.1, Transfer-Encoding exactly "chunked" or absent and never with
// Content-Length, no control byte in a field, fields within the limits, and
// a body of exactly the declared length.
//
// Input: byte 0 chooses the limits and the body window, bytes 1-4 are the
// sizes of the pieces the client's bytes arrive in (cycled; 0 means 64 KiB),
// the rest is what the client sends.
#include "fuzz_check.hpp"
#include "server/limits.hpp"
#include "server/request_checks.hpp"
#include "server/request_parser.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using isapi::host::BoundedRequestParser;

namespace {

// A client's bytes, handed out in pieces of the fuzzed sizes, then EOF.
class PieceStream {
public:
    PieceStream(std::string_view bytes, std::array<std::size_t, 4> pieces) : bytes_(bytes), pieces_(pieces) {}

    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers, beast::error_code& ec) {
        ec = {};
        if (bytes_.empty()) {
            ec = net::error::eof;
            return 0;
        }
        const std::size_t piece = pieces_[next_++ % pieces_.size()];
        const std::size_t n = net::buffer_copy(buffers, net::buffer(bytes_.data(), std::min(piece, bytes_.size())));
        bytes_.remove_prefix(n);
        return n;
    }
    template <class MutableBuffers>
    std::size_t read_some(const MutableBuffers& buffers) {
        beast::error_code ec;
        const std::size_t n = read_some(buffers, ec);
        if (ec) throw beast::system_error(ec);
        return n;
    }

private:
    std::string_view bytes_;
    std::array<std::size_t, 4> pieces_;
    std::size_t next_ = 0;
};

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The transfer codings of every Transfer-Encoding field, names only: an
// independent reading to hold the checks to, not a copy of them.
std::vector<std::string_view> coding_names(const http::fields& header) {
    std::vector<std::string_view> names;
    for (const auto& field : header) {
        if (field.name() != http::field::transfer_encoding) continue;
        std::string_view value = field.value();
        std::size_t start = 0;
        for (std::size_t i = 0; i <= value.size(); ++i) {
            if (i < value.size() && value[i] != ',') continue;
            const auto element = value.substr(start, i - start);
            const auto name = trim(element.substr(0, element.find(';')));
            if (!trim(element).empty()) names.push_back(name);
            start = i + 1;
        }
    }
    return names;
}

void check_fields(const http::fields& fields, std::size_t header_limit) {
    std::size_t bytes = 0;
    for (const auto& field : fields) {
        const std::string_view name = field.name_string(), value = field.value();
        FUZZ_REQUIRE(!name.empty());
        FUZZ_REQUIRE(name.size() + 2 + value.size() <= isapi::host::kMaxFieldBytes);
        for (unsigned char c : name) FUZZ_REQUIRE(c > 0x20 && c < 0x7f && c != 0x3a);
        for (char c : value) FUZZ_REQUIRE(c != '\r' && c != '\n' && c != '\0');
        bytes += name.size() + value.size() + 4;
    }
    FUZZ_REQUIRE(bytes <= header_limit);
}

void check_accepted_header(const BoundedRequestParser<http::buffer_body>& parser, std::size_t header_limit,
                           std::uint64_t body_limit) {
    const auto& header = parser.get();
    FUZZ_REQUIRE(!header.method_string().empty());
    FUZZ_REQUIRE(!header.target().empty());
    for (unsigned char c : std::string_view(header.target())) FUZZ_REQUIRE(c > 0x20 && c != 0x7f);
    check_fields(header, header_limit);

    const auto hosts = header.count(http::field::host);
    if (header.version() >= 11) FUZZ_REQUIRE(hosts == 1);
    FUZZ_REQUIRE(hosts <= 1);

    const auto codings = coding_names(header);
    const bool has_transfer_encoding = header.count(http::field::transfer_encoding) != 0;
    if (has_transfer_encoding) {
        FUZZ_REQUIRE(codings.size() == 1 && iequals(codings.front(), "chunked"));
        FUZZ_REQUIRE(header.count(http::field::content_length) == 0);
        FUZZ_REQUIRE(header.version() >= 11);
    }
    FUZZ_REQUIRE(parser.chunked() == has_transfer_encoding);
    if (const auto length = parser.content_length()) FUZZ_REQUIRE(*length <= body_limit);
}

struct Setup {
    isapi::host::ServerLimits limits;
    std::size_t body_window = 0;
};

// Byte 0: bit 0 raises the header limit the way --max-header-bytes does, so
// fields near Beast's own 64 KiB bound are reachable; bits 1-2 pick the size
// of the window the body is read into (the session uses up to 48 KiB).
Setup setup_from(std::uint8_t byte) {
    Setup s;
    if (byte & 1) s.limits.max_header_bytes = 128 * 1024;
    constexpr std::size_t windows[] = {1, 7, 512, 48 * 1024};
    s.body_window = windows[(byte >> 1) & 3];
    return s;
}

// One request off the stream: false when the connection would close.
bool serve_one(PieceStream& stream, beast::flat_buffer& buffer, const Setup& setup, std::vector<char>& window) {
    BoundedRequestParser<http::buffer_body> parser(static_cast<std::uint32_t>(setup.limits.max_header_bytes));
    parser.body_limit(setup.limits.max_body_bytes);

    beast::error_code ec;
    http::read_header(stream, buffer, parser, ec);
    if (ec == http::error::end_of_stream || ec == net::error::eof) return false;
    if (ec) {
        const auto refusal = isapi::host::refusal_for_parse_error(ec);
        FUZZ_REQUIRE(refusal.status >= 400 && refusal.status < 500);
        return false;
    }
    FUZZ_REQUIRE(parser.is_header_done());
    const auto& header = parser.get();
    if (const auto refusal = isapi::host::refusal_for_header(header, header.version())) {
        FUZZ_REQUIRE(refusal.status == 400 || refusal.status == 501);
        FUZZ_REQUIRE(!refusal.reason.empty());
        return false;
    }
    if (const auto length = parser.content_length(); length && *length > setup.limits.max_body_bytes) return false;
    check_accepted_header(parser, setup.limits.max_header_bytes, setup.limits.max_body_bytes);

    std::uint64_t body_bytes = 0;
    while (!parser.is_done()) {
        auto& body = parser.get().body();
        body.data = window.data();
        body.size = window.size();
        body.more = true;
        http::read_some(stream, buffer, parser, ec);
        const std::size_t got = window.size() - parser.get().body().size;
        body_bytes += got;
        if (ec == http::error::need_buffer) ec = {};
        if (ec == http::error::end_of_stream || ec == net::error::eof) return false;
        if (ec) {
            const auto refusal = isapi::host::refusal_for_parse_error(ec);
            FUZZ_REQUIRE(refusal.status >= 400 && refusal.status < 500);
            return false;
        }
    }
    FUZZ_REQUIRE(body_bytes <= setup.limits.max_body_bytes);
    if (const auto length = parser.content_length(); length && !parser.chunked()) FUZZ_REQUIRE(body_bytes == *length);
    // The trailer of a chunked body came in under the same limits.
    check_fields(parser.get(), setup.limits.max_header_bytes);
    return parser.get().keep_alive();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 5) return 0;
    const Setup setup = setup_from(data[0]);
    std::array<std::size_t, 4> pieces{};
    for (std::size_t i = 0; i < pieces.size(); ++i) pieces[i] = data[1 + i] == 0 ? 64 * 1024 : data[1 + i];
    PieceStream stream(std::string_view(reinterpret_cast<const char*>(data) + 5, size - 5), pieces);

    beast::flat_buffer buffer(isapi::host::request_read_buffer_limit(setup.limits.max_header_bytes));
    std::vector<char> window(setup.body_window);
    // A handful of keep-alive requests is enough to reach pipelining; more
    // would only slow each run down.
    for (int request = 0; request < 8; ++request) {
        if (!serve_one(stream, buffer, setup, window)) break;
    }
    return 0;
}
