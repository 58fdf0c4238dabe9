// ECB dispatch of the hello sample, without sockets: one HttpExtensionProc
// call through isapi::ecb::dispatch, with a Transport that drops the bytes and
// an inline executor. Bar: under 2 µs per dispatch.
#include "hello_request.hpp"
#include "ratio_reporter.hpp"

#include <benchmark/benchmark.h>
#include <httpext.h>
#include <isapi/platform/module_loader.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// hello.so, loaded once for the whole run.
struct HelloModule {
    HelloModule()
    {
        // Referencing the last-error slot links it in, so hello.so's
        // GetLastError resolves against this executable.
        SetLastError(0);
        auto& loader = isapi::platform::system_module_loader();
        std::string error;
        handle = loader.open(ISAPI_HELLO_SO, error);
        if (!handle) {
            std::fprintf(stderr, "cannot load %s: %s\n", ISAPI_HELLO_SO, error.c_str());
            std::exit(1);
        }
        auto version = reinterpret_cast<PFN_GETEXTENSIONVERSION>(loader.symbol(handle, "GetExtensionVersion"));
        proc = reinterpret_cast<PFN_HTTPEXTENSIONPROC>(loader.symbol(handle, "HttpExtensionProc"));
        HSE_VERSION_INFO info{};
        if (!version || !proc || !version(&info)) {
            std::fprintf(stderr, "%s is not a usable ISAPI extension\n", ISAPI_HELLO_SO);
            std::exit(1);
        }
    }
    isapi::platform::ModuleHandle handle = nullptr;
    PFN_HTTPEXTENSIONPROC proc = nullptr;
};

HelloModule& hello()
{
    static HelloModule module;
    return module;
}

// Each iteration moves a ready-made Request into dispatch, as the front end
// hands over the one it parsed. Requests are prepared in batches outside the
// timed region; the pause to refill is amortised over kBatch dispatches.
void run_dispatch(benchmark::State& state, const isapi::ecb::Request& prototype)
{
    constexpr std::size_t kBatch = 1024;
    auto proc = hello().proc;
    auto transport = std::make_shared<isapi::bench::NullTransport>();
    std::uint64_t completed = 0;
    const auto context = isapi::bench::inline_context(&completed);
    std::vector<isapi::ecb::Request> batch(kBatch);
    std::size_t next = kBatch;
    for (auto _ : state) {
        if (next == kBatch) {
            state.PauseTiming();
            for (auto& request : batch) request = prototype;
            next = 0;
            state.ResumeTiming();
        }
        isapi::ecb::dispatch(std::move(batch[next++]), proc, transport, context);
    }
    if (completed != static_cast<std::uint64_t>(state.iterations()) || transport->bytes == 0) {
        state.SkipWithError("dispatch did not complete every request with a response");
        return;
    }
    state.counters["resp_bytes"] = static_cast<double>(transport->bytes) / static_cast<double>(completed);
}

// GET /hello.dll: the cheap path, one SEND_RESPONSE_HEADER_EX.
void BM_DispatchHello(benchmark::State& state) { run_dispatch(state, isapi::bench::hello_request()); }
BENCHMARK(BM_DispatchHello);

// GET /hello.dll?vars=1: seven GetServerVariable calls on top.
void BM_DispatchHelloVariables(benchmark::State& state)
{
    auto request = isapi::bench::hello_request();
    request.query_string = "vars=1";
    request.unencoded_url = "/hello.dll?vars=1";
    run_dispatch(state, request);
}
BENCHMARK(BM_DispatchHelloVariables);

}  // namespace

int main(int argc, char** argv)
{
    auto args = isapi::bench::with_default_flags(argc, argv);
    int count = static_cast<int>(args.size()) - 1;
    benchmark::Initialize(&count, args.data());
    if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
    isapi::bench::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();

    // Median CPU time over the repetitions.
    const double hello_ns = reporter.cpu_seconds("BM_DispatchHello") * 1e9;
    const double vars_ns = reporter.cpu_seconds("BM_DispatchHelloVariables") * 1e9;
    if (hello_ns > 0) {
        std::printf("ECB dispatch of hello: %.0f ns CPU (bar: < 2000 ns) %s\n", hello_ns,
                    hello_ns < 2000 ? "PASS" : "FAIL");
    }
    if (vars_ns > 0) std::printf("ECB dispatch of hello?vars=1 (7 server variables): %.0f ns CPU\n", vars_ns);
    return 0;
}
