// Many connections that cost the attacker nothing: idle keep-alive ones, a
// burst of opens, and one connection stuffed with pipelined requests whose
// answers are never read. The host must keep serving a normal client and
// keep its memory bounded.
#include "hostile_host.hpp"
#include "process_memory.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace isapi::itest::hostile;
using namespace std::chrono_literals;

namespace {

// Host and workers together, under any of these floods: a few MiB of code
// and heap per process, and nothing that grows per connection or request.
constexpr std::size_t kFloodRssBoundKib = 64 * 1024;

const std::string kHello = "GET /hello.dll HTTP/1.1\r\nHost: t\r\n\r\n";

}  // namespace

TEST_CASE("500 idle keep-alive connections hold up no normal client", "[hostile][flood]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    INFO("isolation " << isolation);
    HostileHost host(isolation);
    check_still_serving(host);
    PeakRssSampler sampler(host.pid(), 20ms);

    // Half never send a byte; half finish one request and then sit idle on the kept-alive connection.
    std::vector<std::unique_ptr<RawConnection>> idle;
    std::size_t answered = 0;
    for (int i = 0; i < 500; ++i) {
        idle.push_back(host.connect());
        if (i % 2 == 0) continue;
        idle.back()->send(kHello, 1s);
        const auto responses = idle.back()->read_responses(1, 2s);
        if (responses.size() == 1 && responses.front().status == 200 && !idle.back()->transcript().closed) ++answered;
    }
    CHECK(answered == 250);
    check_still_serving(host);
    sampler.stop();
    INFO("host+workers peak RSS " << sampler.peak_kib() << " KiB");
    CHECK(sampler.peak_kib() < kFloodRssBoundKib);
    WARN("500 idle connections, " << isolation << ": host+workers peak RSS " << sampler.peak_kib() << " KiB");
}

TEST_CASE("A burst of 1000 connections, held then dropped, leaves the host serving", "[hostile][flood]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    INFO("isolation " << isolation);
    HostileHost host(isolation);
    check_still_serving(host);

    std::vector<std::unique_ptr<RawConnection>> burst;
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 1000 && std::chrono::steady_clock::now() - started < 10s; ++i) burst.push_back(host.connect());
    CHECK(burst.size() == 1000);
    check_still_serving(host);  // while all of them are open

    // Half leave politely, half abortively.
    for (std::size_t i = 0; i < burst.size(); ++i) {
        if (i % 2 == 0) burst[i]->close();
        else burst[i]->reset();
    }
    burst.clear();
    check_still_serving(host);
}

TEST_CASE("10,000 pipelined requests never read, then a dropped connection, leave the host serving",
          "[hostile][flood]") {
    const auto isolation = GENERATE(from_range(kIsolationModes));
    INFO("isolation " << isolation);
    HostileHost host(isolation, {"--write-timeout", "2000"});
    check_still_serving(host);
    PeakRssSampler sampler(host.pid(), 20ms);

    std::string pipeline;
    pipeline.reserve(10'000 * kHello.size());
    for (int i = 0; i < 10'000; ++i) pipeline += kHello;
    const auto greedy = host.connect();
    // Never read: the send stalls once both directions' buffers are full.
    const auto sent = greedy->send(pipeline, 3s);
    check_still_serving(host);  // while that connection is stuck
    greedy->reset();
    check_still_serving(host);

    sampler.stop();
    INFO("pipelined bytes sent " << sent << " of " << pipeline.size() << "; host+workers peak RSS "
                                 << sampler.peak_kib() << " KiB");
    CHECK(sampler.peak_kib() < kFloodRssBoundKib);
    WARN("10k pipelined, " << isolation << ": sent " << sent << " of " << pipeline.size()
                           << " bytes; host+workers peak RSS " << sampler.peak_kib() << " KiB");
}
