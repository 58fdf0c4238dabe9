// The wire format between the front end and its workers: every frame type
// and the request and outcome encodings survive a round trip, and a stream
// that is cut short, too long or corrupt is refused without reading past the
// bytes it was given.
#include <workers/ipc_codec.hpp>

#include <catch2/catch.hpp>

#include <cstring>
#include <stdexcept>
#include <string>

using namespace isapi::host::ipc;

namespace {

// The one frame `bytes` holds (its body points into `bytes`); fails the
// test if `bytes` is not exactly one frame.
Frame only_frame(const std::string& bytes) {
    std::size_t consumed = 0;
    auto frame = next_frame(bytes, consumed);
    REQUIRE(frame);
    REQUIRE(consumed == bytes.size());
    return *frame;
}

std::string header(std::uint32_t length, std::uint8_t type, std::uint64_t id) {
    std::string out(kFrameHeaderSize, '\0');
    std::memcpy(out.data(), &length, 4);
    std::memcpy(out.data() + 4, &type, 1);
    std::memcpy(out.data() + 5, &id, 8);
    return out;
}

isapi::ecb::Request unusual_request() {
    isapi::ecb::Request r;
    r.method = "PROPFIND";
    r.url = "/app/ext.dll/a b";
    r.unencoded_url = "/app/ext.dll/a%20b?x=1";
    r.query_string = "x=1";
    r.script_name = "/app/ext.dll";
    r.path_info = "/a b";
    r.path_translated = "/srv/www/a b";
    r.protocol = "HTTP/1.0";
    r.headers = {{"Host", "example.test:8080"}, {"X-Empty", ""}, {"X-Binary", std::string("a\0b", 3)}};
    r.all_raw = "Host: example.test:8080\r\nX-Empty: \r\n";
    r.content_length = 0x1'0000'0001ULL;  // past 32 bits
    r.preloaded_body = std::string("\0\xff body", 7);
    r.keep_alive = false;
    r.remote_addr = "::1";
    r.remote_port = 65535;
    r.local_addr = "10.0.0.1";
    r.local_port = 8080;
    r.server_name = "example.test";
    r.remote_user = "alice";
    r.auth_type = "Basic";
    r.instance_id = "7";
    r.app_pool_id = "Pool";
    r.appl_physical_path = "/srv/www/";
    r.document_root = "/srv/www";
    auto& tls = r.tls.emplace();
    tls.key_bits = 256;
    tls.server_key_bits = 4096;
    tls.server_issuer = "C=US, O=CA";
    tls.server_subject = "CN=example.test";
    tls.protocol = "TLSv1.3";
    tls.client_cert_present = true;
    tls.client_cert_untrusted = true;
    tls.client_issuer = "O=Client CA";
    tls.client_subject = "CN=alice";
    tls.client_serial = "01-02";
    tls.client_cookie = "abcdef";
    tls.client_cert_der = std::string("\x30\x82\0\x01", 4);
    return r;
}

std::string encoded_request(const isapi::ecb::Request& r, std::uint64_t id = 9) {
    std::string bytes;
    FrameBuilder f(bytes);
    f.begin(FrameType::request, id);
    encode_request(f, r);
    f.end();
    return bytes;
}

// Decoding any proper prefix of `body` throws std::runtime_error. Each
// prefix is a copy of its own, so a read past it is a sanitizer's finding.
template <class Decode>
void every_cut_is_refused(std::string_view body, Decode decode) {
    for (std::size_t cut = 0; cut < body.size(); ++cut) {
        const std::string part(body.substr(0, cut));
        BodyReader reader(part);
        INFO("body cut after " << cut << " bytes");
        REQUIRE_THROWS_AS(decode(reader), std::runtime_error);
    }
}

}  // namespace

TEST_CASE("a frame is a native u32 body length, a type byte, a u64 id, then the body", "[ipc_codec]") {
    std::string bytes;
    FrameBuilder(bytes).begin(FrameType::read, 0x0102030405060708ULL).u64(4096).end();
    REQUIRE(bytes.size() == kFrameHeaderSize + 8);
    CHECK(bytes.substr(0, kFrameHeaderSize) == header(8, 34, 0x0102030405060708ULL));
}

TEST_CASE("every frame type survives a round trip with the body its header documents", "[ipc_codec]") {
    std::string stream;
    FrameBuilder f(stream);
    f.begin(FrameType::config, 0).raw(R"({"threads":4})").end();
    f.begin(FrameType::request, 1).str("GET").end();
    f.begin(FrameType::body, 2).raw("chunk").end();
    f.begin(FrameType::body, 2).end();  // empty: the body ended
    f.begin(FrameType::body_failed, 3).end();
    f.begin(FrameType::ack, 4).u8(1).end();
    f.begin(FrameType::client_gone, 5).end();
    f.begin(FrameType::ping, 0).u64(77).end();
    f.begin(FrameType::drain, 0).end();
    f.begin(FrameType::ready, 0).u32(4242).str("a.dll: missing").str("/tmp/shadow").end();
    f.begin(FrameType::send, 6).u8(1).raw("HTTP/1.1 200 OK\r\n").end();
    f.begin(FrameType::read, 7).u64(1 << 20).end();
    f.begin(FrameType::finish, 8).u8(1).u8(0).end();
    f.begin(FrameType::done, 9).u32(200).end();
    f.begin(FrameType::event, 0).raw(R"({"kind":"load"})").end();
    f.begin(FrameType::pong, 0).u64(77).end();
    f.begin(FrameType::drained, 0).u8(0).end();
    f.begin(FrameType::unhealthy, 0).str("ext.dll").str("out of handles").end();

    std::size_t consumed = 0;
    auto next = [&] {
        auto frame = next_frame(stream, consumed);
        REQUIRE(frame);
        return *frame;
    };
    auto expect = [&](FrameType type, std::uint64_t id) {
        const Frame frame = next();
        CHECK(frame.type == type);
        CHECK(frame.id == id);
        return frame;
    };

    CHECK(expect(FrameType::config, 0).body == R"({"threads":4})");
    { BodyReader b(expect(FrameType::request, 1).body); CHECK(b.str() == "GET"); }
    CHECK(expect(FrameType::body, 2).body == "chunk");
    CHECK(expect(FrameType::body, 2).body.empty());
    CHECK(expect(FrameType::body_failed, 3).body.empty());
    { BodyReader b(expect(FrameType::ack, 4).body); CHECK(b.u8() == 1); }
    CHECK(expect(FrameType::client_gone, 5).body.empty());
    { BodyReader b(expect(FrameType::ping, 0).body); CHECK(b.u64() == 77); }
    CHECK(expect(FrameType::drain, 0).body.empty());
    {
        BodyReader b(expect(FrameType::ready, 0).body);
        CHECK(b.u32() == 4242);
        CHECK(b.str() == "a.dll: missing");
        CHECK(b.str() == "/tmp/shadow");
        CHECK(b.rest().empty());
    }
    {
        BodyReader b(expect(FrameType::send, 6).body);
        CHECK(b.u8() == 1);
        CHECK(b.rest() == "HTTP/1.1 200 OK\r\n");
    }
    { BodyReader b(expect(FrameType::read, 7).body); CHECK(b.u64() == (1u << 20)); }
    {
        BodyReader b(expect(FrameType::finish, 8).body);
        CHECK(b.u8() == 1);
        CHECK(b.u8() == 0);
    }
    { BodyReader b(expect(FrameType::done, 9).body); CHECK(b.u32() == 200); }
    CHECK(expect(FrameType::event, 0).body == R"({"kind":"load"})");
    { BodyReader b(expect(FrameType::pong, 0).body); CHECK(b.u64() == 77); }
    { BodyReader b(expect(FrameType::drained, 0).body); CHECK(b.u8() == 0); }
    {
        BodyReader b(expect(FrameType::unhealthy, 0).body);
        CHECK(b.str() == "ext.dll");
        CHECK(b.str() == "out of handles");
    }
    CHECK(consumed == stream.size());
    CHECK_FALSE(next_frame(stream, consumed));
}

TEST_CASE("a standby's frames: activate has no body, standing_by a pid and the shadow folder", "[ipc_codec]") {
    std::string stream;
    FrameBuilder f(stream);
    f.begin(FrameType::standing_by, 0).u32(4243).str("/tmp/shadow-2").end();
    f.begin(FrameType::activate, 0).end();
    std::size_t consumed = 0;
    const auto standing_by = next_frame(stream, consumed);
    REQUIRE(standing_by);
    CHECK(standing_by->type == FrameType::standing_by);
    BodyReader b(standing_by->body);
    CHECK(b.u32() == 4243);
    CHECK(b.str() == "/tmp/shadow-2");
    CHECK(b.rest().empty());
    const auto activate = next_frame(stream, consumed);
    REQUIRE(activate);
    CHECK(activate->type == FrameType::activate);
    CHECK(activate->id == 0);
    CHECK(activate->body.empty());
    CHECK(consumed == stream.size());
    // Distinct from every other type: a worker must never take one for another.
    CHECK(static_cast<int>(FrameType::activate) == 9);
    CHECK(static_cast<int>(FrameType::standing_by) == 41);
}

TEST_CASE("BodyReader reads every integer width and string back as written", "[ipc_codec]") {
    std::string bytes;
    FrameBuilder(bytes)
        .begin(FrameType::event, 1)
        .u8(0xfe)
        .u16(0xbeef)
        .u32(0xdeadbeef)
        .u64(0xfedcba9876543210ULL)
        .str("")
        .str(std::string(70000, 'x'))
        .raw("tail")
        .end();
    BodyReader b(only_frame(bytes).body);
    CHECK(b.u8() == 0xfe);
    CHECK(b.u16() == 0xbeef);
    CHECK(b.u32() == 0xdeadbeef);
    CHECK(b.u64() == 0xfedcba9876543210ULL);
    CHECK(b.str().empty());
    CHECK(b.str() == std::string(70000, 'x'));
    CHECK(b.rest() == "tail");
    CHECK_THROWS_AS(b.u8(), std::runtime_error);
}

TEST_CASE("a request survives a round trip field by field", "[ipc_codec]") {
    const auto sent = unusual_request();
    const std::string bytes = encoded_request(sent, 9);
    const Frame frame = only_frame(bytes);
    CHECK(frame.type == FrameType::request);
    CHECK(frame.id == 9);
    BodyReader body(frame.body);
    const auto got = decode_request(body);
    CHECK(body.rest().empty());

    CHECK(got.method == sent.method);
    CHECK(got.url == sent.url);
    CHECK(got.unencoded_url == sent.unencoded_url);
    CHECK(got.query_string == sent.query_string);
    CHECK(got.script_name == sent.script_name);
    CHECK(got.path_info == sent.path_info);
    CHECK(got.path_translated == sent.path_translated);
    CHECK(got.protocol == sent.protocol);
    REQUIRE(got.headers.size() == sent.headers.size());
    for (std::size_t i = 0; i < sent.headers.size(); ++i) {
        CHECK(got.headers[i].name == sent.headers[i].name);
        CHECK(got.headers[i].value == sent.headers[i].value);
    }
    CHECK(got.all_raw == sent.all_raw);
    CHECK(got.content_length == sent.content_length);
    CHECK(got.preloaded_body == sent.preloaded_body);
    CHECK(got.keep_alive == sent.keep_alive);
    CHECK(got.remote_addr == sent.remote_addr);
    CHECK(got.remote_port == sent.remote_port);
    CHECK(got.local_addr == sent.local_addr);
    CHECK(got.local_port == sent.local_port);
    CHECK(got.server_name == sent.server_name);
    CHECK(got.remote_user == sent.remote_user);
    CHECK(got.auth_type == sent.auth_type);
    CHECK(got.instance_id == sent.instance_id);
    CHECK(got.app_pool_id == sent.app_pool_id);
    CHECK(got.appl_physical_path == sent.appl_physical_path);
    CHECK(got.document_root == sent.document_root);
    REQUIRE(got.tls.has_value());
    CHECK(got.tls->key_bits == sent.tls->key_bits);
    CHECK(got.tls->server_key_bits == sent.tls->server_key_bits);
    CHECK(got.tls->server_issuer == sent.tls->server_issuer);
    CHECK(got.tls->server_subject == sent.tls->server_subject);
    CHECK(got.tls->protocol == sent.tls->protocol);
    CHECK(got.tls->client_cert_present == sent.tls->client_cert_present);
    CHECK(got.tls->client_cert_untrusted == sent.tls->client_cert_untrusted);
    CHECK(got.tls->client_issuer == sent.tls->client_issuer);
    CHECK(got.tls->client_subject == sent.tls->client_subject);
    CHECK(got.tls->client_serial == sent.tls->client_serial);
    CHECK(got.tls->client_cookie == sent.tls->client_cookie);
    CHECK(got.tls->client_cert_der == sent.tls->client_cert_der);
}

TEST_CASE("a request without a content length keeps it unknown, not zero", "[ipc_codec]") {
    isapi::ecb::Request sent;  // chunked: content_length is nullopt
    sent.keep_alive = true;
    const std::string bytes = encoded_request(sent);
    BodyReader body(only_frame(bytes).body);
    const auto got = decode_request(body);
    CHECK_FALSE(got.content_length.has_value());
    CHECK_FALSE(got.tls.has_value());  // a plain connection
    CHECK(got.keep_alive);
    CHECK(got.headers.empty());
}

TEST_CASE("an outcome survives a round trip", "[ipc_codec]") {
    isapi::ecb::Outcome sent;
    sent.status = 503;
    sent.bytes_sent = 0x2'0000'0003ULL;
    sent.keep_alive = false;  // unlike aborted: the two must not be mixed up
    sent.aborted = true;
    sent.hse_status = 4;
    sent.log_data = "log data";
    sent.log_parameters = "&p=1";
    std::string bytes;
    FrameBuilder f(bytes);
    f.begin(FrameType::done, 12);
    encode_outcome(f, sent);
    f.end();

    BodyReader body(only_frame(bytes).body);
    const auto got = decode_outcome(body);
    CHECK(body.rest().empty());
    CHECK(got.status == 503);
    CHECK(got.bytes_sent == sent.bytes_sent);
    CHECK_FALSE(got.keep_alive);
    CHECK(got.aborted);
    CHECK(got.hse_status == 4);
    CHECK(got.log_data == "log data");
    CHECK(got.log_parameters == "&p=1");
}

TEST_CASE("a frame cut anywhere short waits for more bytes and consumes none", "[ipc_codec]") {
    const std::string whole = encoded_request(unusual_request());
    for (std::size_t cut = 0; cut < whole.size(); ++cut) {
        // A copy of exactly `cut` bytes: reading past it would be caught by
        // the sanitizers, and a wrong answer by the checks.
        const std::string part = whole.substr(0, cut);
        std::size_t consumed = 0;
        INFO("cut after " << cut << " bytes");
        REQUIRE_FALSE(next_frame(part, consumed));
        REQUIRE(consumed == 0);
    }
}

TEST_CASE("frames split across reads come out whole once their last byte arrives", "[ipc_codec]") {
    std::string stream;
    FrameBuilder(stream).begin(FrameType::pong, 0).u64(1).end();
    FrameBuilder(stream).begin(FrameType::send, 3).u8(0).raw("abc").end();
    const std::size_t first_size = kFrameHeaderSize + 8;

    std::size_t consumed = 0;
    const std::string first_and_a_bit = stream.substr(0, first_size + 2);
    auto first = next_frame(first_and_a_bit, consumed);
    REQUIRE(first);
    CHECK(first->type == FrameType::pong);
    CHECK(consumed == first_size);
    CHECK_FALSE(next_frame(first_and_a_bit, consumed));
    CHECK(consumed == first_size);

    auto second = next_frame(stream, consumed);
    REQUIRE(second);
    CHECK(second->id == 3);
    CHECK(second->body == std::string_view("\0abc", 4));
    CHECK(consumed == stream.size());
}

TEST_CASE("a frame longer than the maximum is refused from its header alone", "[ipc_codec]") {
    std::size_t consumed = 0;
    const std::string too_long = header(static_cast<std::uint32_t>(kMaxFrameBody + 1), 33, 1);
    CHECK_THROWS_AS(next_frame(too_long, consumed), std::runtime_error);
    CHECK(consumed == 0);
    const std::string huge = header(0xffffffffu, 33, 1);
    CHECK_THROWS_AS(next_frame(huge, consumed), std::runtime_error);

    // The largest allowed length is only waited for.
    const std::string largest = header(static_cast<std::uint32_t>(kMaxFrameBody), 33, 1);
    CHECK_FALSE(next_frame(largest, consumed));
    CHECK(consumed == 0);
}

TEST_CASE("the codec hands an unknown type through; its readers refuse it", "[ipc_codec]") {
    // next_frame does not judge types: WorkerProcess::on_frame and the
    // worker's loop throw on one they do not expect, which closes the channel.
    const std::string bytes = header(2, 200, 5) + "ok";
    const Frame frame = only_frame(bytes);
    CHECK(static_cast<int>(frame.type) == 200);
    CHECK(frame.id == 5);
    CHECK(frame.body == "ok");
}

TEST_CASE("a body shorter than its fields is refused without reading past it", "[ipc_codec]") {
    SECTION("each truncation of a request body") {
        const std::string bytes = encoded_request(unusual_request());
        every_cut_is_refused(only_frame(bytes).body, [](BodyReader& b) { decode_request(b); });
    }
    SECTION("each truncation of an outcome") {
        std::string bytes;
        FrameBuilder f(bytes);
        f.begin(FrameType::done, 1);
        encode_outcome(f, isapi::ecb::Outcome{200, 10, true, false, 1, "a", "b"});
        f.end();
        every_cut_is_refused(only_frame(bytes).body, [](BodyReader& b) { decode_outcome(b); });
    }
    SECTION("a string whose length runs past the body") {
        std::string body;
        const std::uint32_t length = 1000;
        body.append(reinterpret_cast<const char*>(&length), 4);
        body += "short";
        BodyReader reader(body);
        CHECK_THROWS_AS(reader.str(), std::runtime_error);
    }
    SECTION("a header count far above the headers present") {
        // Four billion headers announced, none sent: refused at the first
        // missing one, without reserving room for them all.
        isapi::ecb::Request r;
        std::string bytes = encoded_request(r);
        std::string body(only_frame(bytes).body);
        const std::size_t count_at = 4 * 8 + r.method.size() + r.protocol.size();  // eight strings first
        const std::uint32_t announced = 0xffffffffu;
        std::memcpy(body.data() + count_at, &announced, 4);
        BodyReader reader(body);
        CHECK_THROWS_AS(decode_request(reader), std::runtime_error);
    }
}

TEST_CASE("bytes after a request's last field are left for the caller: decode_request does not refuse them", "[ipc_codec]") {
    // Neither reader of a request frame checks rest() afterwards, so a frame
    // with trailing garbage is served; this pins that down until one does.
    std::string bytes;
    FrameBuilder f(bytes);
    f.begin(FrameType::request, 1);
    encode_request(f, isapi::ecb::Request{});
    f.raw("garbage").end();
    BodyReader body(only_frame(bytes).body);
    CHECK(decode_request(body).method == "GET");
    CHECK(body.rest() == "garbage");
}
