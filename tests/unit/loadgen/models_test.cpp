#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "cli/plan_builder.hpp"
#include "client/request_template.hpp"
#include "client/url.hpp"
#include "models/pacer.hpp"
#include "models/rate_schedule.hpp"
#include "models/units.hpp"

using namespace isapi::loadgen;

TEST_CASE("durations take us, ms, s, m and h, and bare numbers take the default unit", "[units]") {
    CHECK(parse_duration_ns("250us") == 250'000);
    CHECK(parse_duration_ns("1.5ms") == 1'500'000);
    CHECK(parse_duration_ns("10s") == 10'000'000'000);
    CHECK(parse_duration_ns("2m") == 120'000'000'000);
    CHECK(parse_duration_ns("3") == 3'000'000'000);
    CHECK(parse_duration_ns("3", 1'000'000) == 3'000'000);
    CHECK_THROWS_WITH(parse_duration_ns("10 parsecs"), Catch::Contains("unknown unit"));
    CHECK_THROWS_WITH(parse_duration_ns("fast"), Catch::Contains("not a duration"));
}

TEST_CASE("a constant rate puts request n at n / rate seconds", "[schedule]") {
    const auto s = RateSchedule::constant(1000, 10);
    CHECK(s.time_of(0) == 0);
    CHECK(s.time_of(500) == Approx(0.5));
    CHECK(s.total() == Approx(10000));
    CHECK(s.time_of(10000) >= s.duration_s());
}

TEST_CASE("stages ramp linearly from the previous rate to each target", "[schedule]") {
    const auto s = RateSchedule::parse_stages("10s:1000,20s:5000", 0);
    CHECK(s.duration_s() == Approx(30));
    // 0 -> 1000 over 10 s is 5000 requests; 1000 -> 5000 over 20 s is 60000.
    CHECK(s.total() == Approx(65000));
    CHECK(s.time_of(5000) == Approx(10.0));
    CHECK(s.time_of(1250) == Approx(5.0));  // half-way up the first ramp, a quarter of its requests
    CHECK(s.rate_at(20) == Approx(3000));
}

TEST_CASE("malformed stages are refused with the stage named", "[schedule]") {
    CHECK_THROWS_WITH(RateSchedule::parse_stages("10s", 0), Catch::Contains("'10s'"));
    CHECK_THROWS_WITH(RateSchedule::parse_stages("10s:fast", 0), Catch::Contains("no numeric rate"));
    CHECK_THROWS_WITH(RateSchedule::parse_stages("0s:10", 0), Catch::Contains("positive"));
}

TEST_CASE("threads share one deterministic request sequence", "[pacer]") {
    const auto schedule = RateSchedule::constant(100, 1);
    PacerConfig c;
    c.model = Model::open_rate;
    c.threads = 3;
    c.templates = 4;
    c.schedule = &schedule;
    std::vector<std::uint64_t> seen;
    for (unsigned t = 0; t < 3; ++t) {
        c.thread = t;
        Pacer p(c);
        while (p.has_next(0)) {
            const Job j = p.take(0);
            CHECK(j.request == j.seq % 4);
            CHECK(std::abs(j.intended_ns - static_cast<std::int64_t>(j.seq) * 10'000'000) <= 1);
            seen.push_back(j.seq);
        }
    }
    std::sort(seen.begin(), seen.end());
    REQUIRE(seen.size() == 100);
    for (std::uint64_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == i);
}

TEST_CASE("a timed replay loops its file with the original spacing", "[pacer]") {
    const std::vector<std::int64_t> offsets = {0, 100, 300};
    PacerConfig c;
    c.model = Model::open_replay;
    c.templates = 3;
    c.offsets_ns = &offsets;
    c.period_ns = 450;
    c.max_requests = 6;
    Pacer p(c);
    std::vector<std::int64_t> times;
    while (p.has_next(0)) times.push_back(p.take(0).intended_ns);
    CHECK(times == std::vector<std::int64_t>{0, 100, 300, 450, 550, 750});
}

TEST_CASE("a closed-loop pacer stops at the end of its window or its request budget", "[pacer]") {
    PacerConfig c;
    c.end_ns = 1000;
    c.max_requests = 2;
    Pacer p(c);
    CHECK(p.has_next(10));
    CHECK(p.take(10).intended_ns == 10);
    CHECK_FALSE(p.has_next(1000));
    p.take(20);
    CHECK_FALSE(p.has_next(30));
}

TEST_CASE("URLs give host, port, target, Host header and scheme", "[url]") {
    const auto u = Url::parse("http://example.com:8080/a/b?x=1");
    CHECK(u.host == "example.com");
    CHECK(u.port == 8080);
    CHECK(u.target == "/a/b?x=1");
    CHECK(u.authority == "example.com:8080");
    CHECK_FALSE(u.tls);
    CHECK(u.origin() == "http://example.com:8080");
    CHECK(Url::parse("http://[::1]/").host == "::1");
    CHECK(Url::parse("http://h?q").target == "/?q");
    CHECK(Url::parse("http://h").port == 80);
    CHECK_THROWS_WITH(Url::parse("http://h:99999/"), Catch::Contains("port"));
}

TEST_CASE("https URLs are TLS, on port 443 unless they say otherwise", "[url][tls]") {
    const auto u = Url::parse("https://example.com/a?x=1");
    CHECK(u.tls);
    CHECK(u.port == 443);
    CHECK(u.host == "example.com");
    CHECK(u.target == "/a?x=1");
    CHECK(u.authority == "example.com");  // Host: without the default port, as browsers send it
    CHECK(u.scheme() == "https");
    CHECK(u.origin() == "https://example.com");
    const auto v6 = Url::parse("https://[::1]:8443");
    CHECK(v6.tls);
    CHECK(v6.host == "::1");
    CHECK(v6.port == 8443);
    CHECK(v6.target == "/");
    CHECK(v6.origin() == "https://[::1]:8443");
    // The scheme is case-insensitive (RFC 3986); the rest is kept as typed.
    CHECK(Url::parse("HTTPS://Example.com/").tls);
    CHECK(Url::parse("HTTPS://Example.com/").host == "Example.com");
    CHECK_FALSE(Url::parse("Http://h/").tls);
    CHECK_THROWS_WITH(Url::parse("https://h:0/"), Catch::Contains("port"));
    CHECK_THROWS_WITH(Url::parse("https:///x"), Catch::Contains("no host"));
    CHECK_THROWS_WITH(Url::parse("ftp://h/"), Catch::Contains("http:// or https://"));
    CHECK_THROWS_WITH(Url::parse("h:80/"), Catch::Contains("http:// or https://"));
    CHECK_THROWS_WITH(Url::parse("https:/h/"), Catch::Contains("http:// or https://"));
}

TEST_CASE("address literals are told from host names (no SNI for them)", "[url][tls]") {
    CHECK(is_ip_literal("127.0.0.1"));
    CHECK(is_ip_literal("255.255.255.255"));
    CHECK(is_ip_literal("::1"));
    CHECK(is_ip_literal("fe80::1%eth0"));
    CHECK_FALSE(is_ip_literal("localhost"));
    CHECK_FALSE(is_ip_literal("example.com"));
    CHECK_FALSE(is_ip_literal("1.2.3"));
    CHECK_FALSE(is_ip_literal("1.2.3.4.5"));
    CHECK_FALSE(is_ip_literal("1.2.3.256"));
    CHECK_FALSE(is_ip_literal("1.2.3."));
    CHECK_FALSE(is_ip_literal("1.2.3.4a"));
    CHECK_FALSE(is_ip_literal("10.0.0.1.example.com"));
}

TEST_CASE("a request is serialised once with Host, User-Agent and Content-Length", "[request]") {
    RequestSpec spec;
    spec.method = "POST";
    spec.target = "/x";
    spec.body = "hello";
    spec.headers = {{"X-A", "1"}, {"Connection", "close"}, {":authority", "h"}};
    const auto t = serialize_request(spec, "h:1");
    CHECK(t.bytes ==
          "POST /x HTTP/1.1\r\nHost: h:1\r\nUser-Agent: isapi-loadgen/0.1\r\nX-A: 1\r\nContent-Length: 5\r\n\r\nhello");
    CHECK_FALSE(t.head);
}

TEST_CASE("requests ask for Connection: close under --no-keepalive, and --body @FILE sends the file's bytes", "[request]") {
    RequestSpec spec;
    spec.close_connection = true;
    spec.headers = {{"Connection", "keep-alive"}};  // the client owns the header: replaced
    CHECK(serialize_request(spec, "h").bytes == "GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: isapi-loadgen/0.1\r\nConnection: close\r\n\r\n");

    const auto path = std::filesystem::temp_directory_path() / ("isapi-body-" + std::to_string(std::random_device{}()));
    const std::string bytes("two\r\nlines\0nul", 15);
    std::ofstream(path, std::ios::binary) << bytes;
    CommonOptions common;
    common.no_keepalive = true;
    RunOptions run;
    run.url = "http://127.0.0.1:1/up";
    run.method = "POST";
    run.body = "@" + path.string();
    const auto plan = plan_for_run(common, run);
    std::filesystem::remove(path);
    REQUIRE(plan.templates.size() == 1);
    const std::string& wire = plan.templates.front().bytes;
    CHECK(wire.find("Connection: close\r\n") != std::string::npos);
    CHECK(wire.find("Content-Length: 15\r\n\r\n") != std::string::npos);
    CHECK(wire.substr(wire.size() - bytes.size()) == bytes);
    run.body = "@" + path.string();  // gone now
    CHECK_THROWS_WITH(plan_for_run(common, run), Catch::Contains("cannot read"));
    run.body = "plain@text";
    CHECK(plan_for_run(common, run).templates.front().bytes.ends_with("\r\n\r\nplain@text"));
}

TEST_CASE("byte rates take B, KiB, MiB, GiB, kB and MB with an optional /s, and refuse anything else", "[units]") {
    CHECK(parse_byte_rate("200KiB/s") == 200 * 1024);
    CHECK(parse_byte_rate("2MiB/s") == 2 * 1024 * 1024);
    CHECK(parse_byte_rate("1.5MB/s") == 1'500'000);
    CHECK(parse_byte_rate("500000") == 500'000);
    CHECK(parse_byte_rate("64KiB") == 64 * 1024);
    CHECK_THROWS_WITH(parse_byte_rate("fast"), Catch::Contains("is not a byte rate"));
    CHECK_THROWS_WITH(parse_byte_rate("0"), Catch::Contains("is not a byte rate"));
    CHECK_THROWS_WITH(parse_byte_rate("-5KiB/s"), Catch::Contains("is not a byte rate"));
    CHECK_THROWS_WITH(parse_byte_rate("10XB/s"), Catch::Contains("is not a byte rate"));
}
