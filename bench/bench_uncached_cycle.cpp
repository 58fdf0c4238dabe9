// The uncached cycle through the module manager (acquire -> dispatch ->
// release with LoadMode::uncached: open, GetExtensionVersion,
// HttpExtensionProc, TerminateExtension, close, unload check), side by side
// with raw cycles of the same hello.so in the same run, straight on the
// platform's module loader (dlopen/dlsym/dlclose here), the one the manager
// uses too:
//   raw:      open, symbol x3, close
//   raw_full: raw plus the entry-point calls and the same ECB dispatch
// Bar: the manager's cycle costs at most 1.5x the raw open/close.
#include "hello_request.hpp"
#include "ratio_reporter.hpp"

#include "modules/module_manager.hpp"

#include <benchmark/benchmark.h>
#include <httpext.h>
#include <spdlog/spdlog.h>
#include <isapi/platform/module_loader.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

constexpr const char* kHello = ISAPI_HELLO_SO;

isapi::platform::ModuleLoader& loader() { return isapi::platform::system_module_loader(); }

isapi::platform::ModuleHandle must_open()
{
    std::string error;
    const auto handle = loader().open(kHello, error);
    if (!handle) {
        std::fprintf(stderr, "cannot load %s: %s\n", kHello, error.c_str());
        std::exit(1);
    }
    return handle;
}

void must_close(isapi::platform::ModuleHandle handle)
{
    std::string error;
    if (!loader().close(handle, error)) {
        std::fprintf(stderr, "cannot unload %s: %s\n", kHello, error.c_str());
        std::exit(1);
    }
}

void BM_RawDlopenCycle(benchmark::State& state)
{
    for (auto _ : state) {
        const auto handle = must_open();
        benchmark::DoNotOptimize(loader().symbol(handle, "GetExtensionVersion"));
        benchmark::DoNotOptimize(loader().symbol(handle, "HttpExtensionProc"));
        benchmark::DoNotOptimize(loader().symbol(handle, "TerminateExtension"));
        must_close(handle);
    }
}
BENCHMARK(BM_RawDlopenCycle);

void BM_RawFullCycle(benchmark::State& state)
{
    auto transport = std::make_shared<isapi::bench::NullTransport>();
    std::uint64_t completed = 0;
    const auto context = isapi::bench::inline_context(&completed);
    const auto request = isapi::bench::hello_request();
    for (auto _ : state) {
        const auto handle = must_open();
        auto version = reinterpret_cast<PFN_GETEXTENSIONVERSION>(loader().symbol(handle, "GetExtensionVersion"));
        auto proc = reinterpret_cast<PFN_HTTPEXTENSIONPROC>(loader().symbol(handle, "HttpExtensionProc"));
        auto terminate = reinterpret_cast<PFN_TERMINATEEXTENSION>(loader().symbol(handle, "TerminateExtension"));
        HSE_VERSION_INFO info{};
        version(&info);
        isapi::ecb::dispatch(request, proc, transport, context);
        terminate(HSE_TERM_MUST_UNLOAD);
        must_close(handle);
    }
    if (completed != static_cast<std::uint64_t>(state.iterations())) {
        state.SkipWithError("not every dispatch completed");
    }
}
BENCHMARK(BM_RawFullCycle);

void BM_ModuleManagerUncachedCycle(benchmark::State& state)
{
    std::uint64_t findings = 0;
    isapi::host::ModuleManager manager(
        isapi::platform::system_module_loader(), [](std::function<void()> task) { task(); },
        [&findings](const isapi::ecb::Finding&) { ++findings; });
    auto transport = std::make_shared<isapi::bench::NullTransport>();
    std::uint64_t completed = 0;
    const auto context = isapi::bench::inline_context(&completed);
    const auto request = isapi::bench::hello_request();
    for (auto _ : state) {
        auto acquired = manager.acquire(kHello, isapi::host::LoadMode::uncached);
        if (!acquired.ok()) {
            state.SkipWithError(("acquire failed: " + acquired.reason).c_str());
            return;
        }
        isapi::ecb::dispatch(request, acquired.lease.proc(), transport, context);
        acquired.lease.release();
    }
    const auto stats = manager.stats();
    if (completed != static_cast<std::uint64_t>(state.iterations()) || stats.unloads != stats.loads) {
        state.SkipWithError("the uncached cycle did not unload after every request");
    }
    state.counters["loads"] = static_cast<double>(stats.loads);
    state.counters["findings"] = static_cast<double>(findings);
}
BENCHMARK(BM_ModuleManagerUncachedCycle);

}  // namespace

int main(int argc, char** argv)
{
    SetLastError(0);  // links the last-error slot that hello.so resolves
    // The manager logs every load at info level; measure the cycle, not the
    // terminal (isapi-host --log-level warn runs the same way).
    spdlog::set_level(spdlog::level::warn);
    auto args = isapi::bench::with_default_flags(argc, argv);
    int count = static_cast<int>(args.size()) - 1;
    benchmark::Initialize(&count, args.data());
    if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
    isapi::bench::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();

    // Medians over the repetitions; CPU time is the verdict, since wall time
    // on a shared machine includes waiting for a core.
    const double raw = reporter.cpu_seconds("BM_RawDlopenCycle");
    const double full = reporter.cpu_seconds("BM_RawFullCycle");
    const double managed = reporter.cpu_seconds("BM_ModuleManagerUncachedCycle");
    if (raw > 0 && managed > 0) {
        const double real_ratio =
            reporter.real_seconds("BM_ModuleManagerUncachedCycle") / reporter.real_seconds("BM_RawDlopenCycle");
        std::printf("uncached cycle: %.1f us CPU, raw open+symbol+close: %.1f us CPU\n", managed * 1e6,
                    raw * 1e6);
        std::printf("uncached cycle / raw open+close: %.2fx CPU, %.2fx wall (bar: <= 1.50x) %s\n",
                    managed / raw, real_ratio, managed / raw <= 1.5 ? "PASS" : "FAIL");
    }
    if (full > 0 && managed > 0) {
        std::printf("uncached cycle / raw cycle with the same entry-point calls and dispatch: %.2fx CPU\n",
                    managed / full);
    }
    return 0;
}
