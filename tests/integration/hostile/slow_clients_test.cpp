// Clients that send too slowly to ever finish, and clients that send slowly
// but legitimately. The first kind is cut off (408 or a close) after the
// request timeout or once its body falls below the minimum rate; neither
// kind may hold up anyone else.
#include "hostile_host.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace isapi::itest::hostile;
using namespace std::chrono_literals;

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kRequestTimeout = 1000ms;

// How a slow client's connection ended: what it was answered, and when.
struct Cutoff {
    std::vector<RawResponse> responses;
    bool closed = false;
    long long after_ms = 0;

    std::string describe() const {
        return "answered " + statuses_of(responses) + (closed ? ", closed" : ", still open") + " after " +
               std::to_string(after_ms) + " ms";
    }
};

// Sends piece(0), piece(1), ... up to `pieces` of them, 100 ms apart (the
// attack's pace), calling `between(i)` after each, until the host answers
// or closes; then gives it 2 s more to close.
Cutoff trickle(RawConnection& slow, std::size_t pieces, const std::function<std::string(std::size_t)>& piece,
               const std::function<void(std::size_t)>& between = {}) {
    const auto started = Clock::now();
    for (std::size_t i = 0; i < pieces && !slow.transcript().closed; ++i) {
        slow.send(piece(i), 100ms);
        if (between) between(i);
        slow.wait_readable(100ms);  // wakes at once if the host answers or closes
    }
    const auto& transcript = slow.read_until_close(2s);
    return {complete_responses(transcript.bytes, transcript.closed), transcript.closed,
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()};
}

}  // namespace

TEST_CASE("A header sent one byte per 100 ms gets 408 or a close after the request timeout, "
          "while others are served", "[hostile][slow]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    INFO("isolation " << isolation);
    HostileHost host(isolation, {"--request-timeout", std::to_string(kRequestTimeout.count())});

    // 58 bytes at 10 bytes/s would take 5.8 s: far beyond the timeout.
    const std::string header = request_start("GET", "/hello.dll") + "X-Slow: " + std::string(10, 's') + "\r\n\r\n";
    const auto slow = host.connect();
    const auto cutoff = trickle(
        *slow, header.size(), [&](std::size_t i) { return header.substr(i, 1); },
        [&](std::size_t i) {
            if (i != 3) return;
            const auto probe = probe_hello(host);
            INFO("GET /hello.dll during the slowloris: " << probe.status << " in " << probe.elapsed.count() << " ms "
                                                          << probe.error);
            CHECK(probe.status == 200);
        });

    INFO("slowloris " << cutoff.describe());
    CHECK(cutoff.closed);
    CHECK(cutoff.responses.size() <= 1);
    if (!cutoff.responses.empty()) CHECK(cutoff.responses.front().status == 408);
    CHECK(cutoff.after_ms >= kRequestTimeout.count() * 9 / 10);
    CHECK(cutoff.after_ms <= kRequestTimeout.count() + 1500);
    check_still_serving(host);
}

TEST_CASE("A body trickling below 240 bytes/s gets 408 once the grace period is spent", "[hostile][slow]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    INFO("isolation " << isolation);
    // The grace period is min(request timeout, 5 s): 1 s here. Each read
    // arrives well within the request timeout, so only the rate can end it.
    HostileHost host(isolation, {"--request-timeout", std::to_string(kRequestTimeout.count())});

    const auto slow = host.connect();
    slow->send(request_start("POST", "/echo.dll") + "Content-Length: 100000\r\n\r\n", 1s);
    // 10 bytes per 100 ms is 100 bytes/s; at most 80 pieces (8 s).
    const auto cutoff = trickle(*slow, 80, [](std::size_t) { return std::string(10, 'b'); });

    INFO("trickle " << cutoff.describe());
    // At 100 bytes/s the earned time runs out after about 1.7 s.
    CHECK(cutoff.closed);
    CHECK((cutoff.responses.size() == 1 && cutoff.responses.front().status == 408));
    CHECK(cutoff.after_ms >= 1000);
    CHECK(cutoff.after_ms <= 3500);
    check_still_serving(host);
}

TEST_CASE("With a minimum body rate of 0 the same trickle finishes: only the rate ended it", "[hostile][slow]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    INFO("isolation " << isolation);
    HostileHost host(isolation,
                     {"--request-timeout", std::to_string(kRequestTimeout.count()), "--min-body-rate", "0"});

    const auto slow = host.connect();
    slow->send(request_start("POST", "/echo.dll") + "Content-Length: 300\r\n\r\n", 1s);
    // 100 bytes/s for 3 s: past the 1 s grace, where the default rate cuts it.
    const auto cutoff = trickle(*slow, 30, [](std::size_t) { return std::string(10, 'b'); });

    INFO("trickle " << cutoff.describe());
    REQUIRE(cutoff.responses.size() == 1);
    CHECK(cutoff.responses.front().status == 200);
}

TEST_CASE("Eight slow uploads to echo hold up no normal request, and abandoned ones free their places",
          "[hostile][slow]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    INFO("isolation " << isolation);
    HostileHost host(isolation, {}, /*admin=*/true);
    check_still_serving(host);  // the worker is up before the clock matters

    // Past the 48 KiB read-ahead, so echo runs and waits in ReadClient for the rest.
    constexpr std::size_t kReadAhead = 48 * 1024;
    const std::string head =
        request_start("POST", "/echo.dll") + "Content-Length: " + std::to_string(kReadAhead + 64) + "\r\n\r\n";
    std::vector<std::unique_ptr<RawConnection>> uploads;
    for (int i = 0; i < 8; ++i) {
        uploads.push_back(host.connect());
        uploads.back()->send(head, 1s);
        uploads.back()->send_filler('u', kReadAhead + 1, 2s);
    }
    const bool all_running = isapi::itest::wait_until([&] { return host.requests_in_flight() >= 8; }, 5s);
    INFO("requests in flight: " << host.requests_in_flight());
    CHECK(all_running);

    auto check_prompt = [&](const char* when) {
        const auto probe = probe_hello(host, 1000ms);
        INFO(when << ": GET /hello.dll " << probe.status << " in " << probe.elapsed.count() << " ms " << probe.error
                  << "\n" << host.diagnostics());
        CHECK(probe.status == 200);
        CHECK(probe.elapsed <= 1000ms);
    };
    check_prompt("with 8 uploads waiting");

    // The uploads' pace: one byte each every 2 s. The pause is the attack.
    std::this_thread::sleep_for(2s);
    for (auto& upload : uploads) upload->send("u", 1s);
    check_prompt("after the uploads' next byte");

    // Abandoned: echo's ReadClient fails, and the requests must end.
    for (auto& upload : uploads) upload->reset();
    const bool drained = isapi::itest::wait_until([&] { return host.requests_in_flight() == 0; }, 3s);
    INFO("requests in flight after the uploads were dropped: " << host.requests_in_flight());
    CHECK(drained);
    check_prompt("after the uploads were dropped");

    isapi::itest::HttpClient client(host.process().address(), host.port(), 1000ms);
    isapi::itest::HttpRequest post;
    post.method = "POST";
    post.target = "/echo.dll";
    post.body = "still echoing";
    const auto echoed = client.send(post);
    CHECK(echoed.status == 200);
    CHECK(echoed.body == "still echoing");
}
