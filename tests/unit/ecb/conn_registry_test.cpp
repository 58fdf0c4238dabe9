#include "ecb_test_support.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

using namespace ecb_test;

namespace {
std::mutex g_mutex;
std::vector<EXTENSION_CONTROL_BLOCK*> g_pending;

DWORD WINAPI park_ext(EXTENSION_CONTROL_BLOCK* ecb) {
    std::lock_guard lock(g_mutex);
    g_pending.push_back(ecb);
    return HSE_STATUS_PENDING;
}
}  // namespace

TEST_CASE("thousands of pending requests keep distinct ConnIDs and each completes once", "[ecb][connid]") {
    constexpr int kRequests = 3000;
    g_pending.clear();
    std::atomic<int> completions{0};
    auto transport = std::make_shared<FakeTransport>();
    ThreadExecutor executor;
    isapi::ecb::DispatchContext context;
    context.executor = [&](std::function<void()> task) { executor.post(std::move(task)); };
    context.on_complete = [&](const isapi::ecb::Outcome& o) {
        if (o.status == 200) ++completions;
    };
    for (int i = 0; i < kRequests; ++i) isapi::ecb::dispatch(Harness::default_request(), park_ext, transport, context);
    REQUIRE(g_pending.size() == kRequests);
    for (std::size_t i = 1; i < g_pending.size(); ++i) CHECK(g_pending[i]->ConnID != g_pending[i - 1]->ConnID);

    // Finish them from two threads, interleaved, while new ones arrive.
    // Catch2 assertions are not thread-safe: the threads count, the test checks.
    std::atomic<int> refused{0};
    auto finish_half = [&refused](std::size_t first) {
        for (std::size_t i = first; i < g_pending.size(); i += 2) {
            auto* ecb = g_pending[i];
            char value[16];
            DWORD size = sizeof value;
            if (!ecb->GetServerVariable(ecb->ConnID, const_cast<char*>("REQUEST_METHOD"), value, &size)) ++refused;
            if (!ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_DONE_WITH_SESSION, nullptr, nullptr, nullptr)) {
                ++refused;
            }
        }
    };
    std::thread a(finish_half, 0);
    std::thread b(finish_half, 1);
    a.join();
    b.join();
    CHECK(refused == 0);
    CHECK(completions == kRequests);
    CHECK(transport->finish_calls() == kRequests);
}
