// Not a timed assertion (speed is judged in benchmarks): a hidden test that
// prints what one socket-free dispatch of a hello extension costs, for a
// quick look with `ecb_tests "[.perf]"`.
#include "ecb_test_support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>

using namespace ecb_test;

namespace {

class NullTransport : public isapi::ecb::Transport {
public:
    bool send(std::span<const std::string_view> pieces) override {
        for (auto p : pieces) bytes += p.size();
        return true;
    }
    std::optional<std::size_t> receive(std::span<char>) override { return 0; }
    bool connected() const override { return true; }
    void finish(bool, bool) override {}
    std::size_t bytes = 0;
};

DWORD WINAPI hello(EXTENSION_CONTROL_BLOCK* ecb) {
    static const char headers[] = "Content-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!";
    HSE_SEND_HEADER_EX_INFO info{"200 OK", headers, 6, sizeof headers - 1, TRUE};
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_SEND_RESPONSE_HEADER_EX, &info, nullptr, nullptr);
    return HSE_STATUS_SUCCESS;
}

}  // namespace

TEST_CASE("a hello dispatch costs well under two microseconds", "[.perf][ecb]") {
    auto transport = std::make_shared<NullTransport>();
    isapi::ecb::DispatchContext context;
    context.executor = [](std::function<void()> task) { task(); };
    context.module = "hello.so";
    int completed = 0;
    context.on_complete = [&](const isapi::ecb::Outcome&) { ++completed; };
    const auto request = Harness::default_request();
    constexpr int kRuns = 200000;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRuns; ++i) isapi::ecb::dispatch(request, hello, transport, context);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    const double ns = std::chrono::duration<double, std::nano>(elapsed).count() / kRuns;
    WARN("dispatch of hello (request and context copies included): " << ns << " ns");
    CHECK(completed == kRuns);
}
