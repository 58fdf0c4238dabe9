// Fields and chunk lines too large to hold: each gets 431 (or, while the
// client is still pouring bytes in, at least a close), and the host neither
// dies nor grows. Before the front end bounded them, a 65.6 KB trailer field
// or a 70 KB header field killed the host (std::length_error thrown inside
// Beast) and a 512 MiB chunk extension grew it to 516 MiB.
#include "hostile_host.hpp"
#include "process_memory.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace isapi::itest::hostile;
using namespace std::chrono_literals;

namespace {

// Past both Beast's own ceiling (65,535) and HTTP.sys's MaxFieldLength maximum (65,534).
constexpr std::size_t kHugeField = 70'000;

std::string chunked_with_trailer(const std::string& target, std::size_t field_bytes) {
    return request_start("POST", target) + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Big: " +
           std::string(field_bytes, 't') + "\r\n\r\n";
}

std::string get_with_field(std::size_t field_bytes) {
    return request_start("GET", "/hello.dll") + "X-Big: " + std::string(field_bytes, 'h') + "\r\n\r\n";
}

}  // namespace

TEST_CASE("A 70 KB trailer field gets 431, on a mapped URL or not, and the host lives on", "[hostile]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    // The default limit refuses it as a whole; a generous one must still refuse the one field.
    const std::string max_header = GENERATE(as<std::string>{}, "16384", "200000");
    INFO("isolation " << isolation << ", --max-header-bytes " << max_header);
    HostileHost host(isolation, {"--max-header-bytes", max_header});

    for (const std::string target : {"/echo.dll", "/unmapped.dll"}) {
        INFO("POST " << target);
        check_refused(send_and_read_to_close(host, chunked_with_trailer(target, kHugeField)), 431);
        check_still_serving(host);
    }
}

TEST_CASE("A 70 KB trailer field on the admin port, which has a token, gets 431 and the host lives on", "[hostile]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    INFO("isolation " << isolation);
    // No credentials: the parser runs before the token is checked.
    HostileHost host(isolation, {"--admin-token", "hostile-test-token"}, true);

    RawConnection admin(host.admin_port());
    admin.send(chunked_with_trailer("/_isapi/status", kHugeField), 3s);
    check_refused(admin.read_until_close(3s), 431);
    check_still_serving(host);
}

TEST_CASE("A 70 KB header field gets 431 even under --max-header-bytes 200000, and the host lives on", "[hostile]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    INFO("isolation " << isolation);
    HostileHost host(isolation, {"--max-header-bytes", "200000"});

    check_refused(send_and_read_to_close(host, get_with_field(kHugeField)), 431);
    check_still_serving(host);

    // Control: a large field the limits allow is served, so the refusal above is about size.
    const auto responses = send_and_read_responses(host, get_with_field(60'000));
    INFO("60,000-byte field: " << statuses_of(responses));
    CHECK((responses.size() == 1 && responses.front().status == 200));
}

TEST_CASE("64 MiB of chunk extension gets 431 or a close, and the host and its workers stay under 32 MiB",
          "[hostile][memory]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    INFO("isolation " << isolation);
    HostileHost host(isolation);
    check_still_serving(host);  // in process mode this starts the worker, so it is counted too
    const auto before_kib = tree_rss_kib(host.pid());

    PeakRssSampler sampler(host.pid());
    const auto connection = host.connect();
    const auto started = std::chrono::steady_clock::now();
    connection->send(request_start("POST", "/echo.dll") + "Transfer-Encoding: chunked\r\n\r\n1;ext=", 2s);
    const auto sent = connection->send_filler('x', 64u << 20, 10s);
    const auto& transcript = connection->read_until_close(3s);
    const auto took = std::chrono::steady_clock::now() - started;
    sampler.stop();

    const auto responses = complete_responses(transcript.bytes, transcript.closed);
    INFO("extension bytes sent " << sent << ", answered " << statuses_of(responses) << " in "
                                 << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                                 << " ms; RSS before " << before_kib << " KiB, peak " << sampler.peak_kib() << " KiB");
    // The line can never fit the read buffer: the host must stop reading it.
    CHECK(transcript.closed);
    CHECK(sent < (64u << 20));
    // A close while the client still writes may come as a reset that
    // discards the answer; an answer that did arrive must be 431.
    CHECK(responses.size() <= 1);
    if (!responses.empty()) CHECK(responses.front().status == 431);
    CHECK(sampler.peak_kib() < 32u * 1024);
    WARN("chunk extension, " << isolation << ": host+workers RSS before " << before_kib << " KiB, peak "
                             << sampler.peak_kib() << " KiB; refused after " << sent << " bytes");
    check_still_serving(host);
}
