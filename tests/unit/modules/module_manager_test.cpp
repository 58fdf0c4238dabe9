#include "fake_module_loader.hpp"

#include <modules/module_manager.hpp>
#include <pool/work_pool.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace isapi;
using namespace std::chrono_literals;
using host::AcquireFailure;
using host::LoadMode;

namespace {

// Counters the fake entry points update; reset by each test's fixture.
std::atomic<int> version_calls{0};
std::atomic<int> terminate_calls{0};
std::atomic<DWORD> last_terminate_flags{0};
std::atomic<int> version_delay_ms{0};

BOOL WINAPI good_version(HSE_VERSION_INFO* info) {
    std::this_thread::sleep_for(std::chrono::milliseconds(version_delay_ms.load()));
    ++version_calls;
    info->dwExtensionVersion = HSE_VERSION;
    return TRUE;
}
BOOL WINAPI refusing_version(HSE_VERSION_INFO*) { return FALSE; }
BOOL WINAPI throwing_version(HSE_VERSION_INFO*) { throw std::runtime_error("boom in init"); }
DWORD WINAPI proc(EXTENSION_CONTROL_BLOCK*) { return HSE_STATUS_SUCCESS; }
BOOL WINAPI terminate(DWORD flags) {
    ++terminate_calls;
    last_terminate_flags = flags;
    return TRUE;
}

// A real (empty) file, so the manager's existence check passes; the fake
// loader supplies what "loading" it yields.
struct Fixture {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("isapi-modules-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::string path = (dir / "app.so").string();
    test::FakeModuleLoader loader;
    host::WorkPool pool{2, 1000};
    std::vector<ecb::Finding> findings;
    std::mutex findings_mutex;

    Fixture() {
        version_calls = terminate_calls = 0;
        last_terminate_flags = 0;
        version_delay_ms = 0;
        std::filesystem::create_directories(dir);
        std::ofstream(path) << "module";
        loader.add(path, {good_version, proc, terminate});
    }
    ~Fixture() {
        pool.stop();
        std::filesystem::remove_all(dir);
    }
    host::ModuleManager make(std::chrono::milliseconds limit = 2s) {
        return host::ModuleManager(
            loader, [this](std::function<void()> task) { pool.post(std::move(task)); },
            [this](const ecb::Finding& f) {
                std::lock_guard lock(findings_mutex);
                findings.push_back(f);
            },
            host::ModuleManagerOptions{limit});
    }
    bool has_finding(const std::string& kind) {
        std::lock_guard lock(findings_mutex);
        for (auto& f : findings)
            if (f.kind == kind) return true;
        return false;
    }
};

// Unloads run on the pool; wait (bounded) until the counters settle.
template <typename Predicate>
bool eventually(Predicate done) {
    for (int i = 0; i < 400 && !done(); ++i) std::this_thread::sleep_for(5ms);
    return done();
}

}  // namespace

TEST_CASE("uncached mode makes one load and one TerminateExtension per sequential request", "[modules]") {
    Fixture f;
    auto manager = f.make();
    for (int i = 1; i <= 5; ++i) {
        auto acquired = manager.acquire(f.path, LoadMode::uncached);
        REQUIRE(acquired.ok());
        CHECK(acquired.lease.proc() == &proc);
        CHECK(acquired.lease.load_generation() == static_cast<std::uint64_t>(i));
        acquired.lease.release();
        REQUIRE(eventually([&] { return manager.stats().unloads == static_cast<std::uint64_t>(i); }));
    }
    CHECK(version_calls == 5);
    CHECK(terminate_calls == 5);
    CHECK(last_terminate_flags == HSE_TERM_MUST_UNLOAD);
    CHECK(f.loader.opens == 5);
    CHECK(f.loader.closes == 5);
}

TEST_CASE("cached mode loads a module once for all requests", "[modules]") {
    Fixture f;
    auto manager = f.make();
    for (int i = 0; i < 5; ++i) {
        auto acquired = manager.acquire(f.path, LoadMode::cached);
        REQUIRE(acquired.ok());
        CHECK(acquired.lease.load_generation() == 1);
    }
    CHECK(version_calls == 1);
    CHECK(terminate_calls == 0);
    CHECK(f.loader.closes == 0);
    CHECK(manager.shutdown());
    CHECK(terminate_calls == 1);
    CHECK(last_terminate_flags == HSE_TERM_MUST_UNLOAD);
    CHECK(f.loader.closes == 1);
}

TEST_CASE("uncached mode keeps a module loaded while any request still uses it", "[modules]") {
    Fixture f;
    auto manager = f.make();
    auto first = manager.acquire(f.path, LoadMode::uncached);
    auto second = manager.acquire(f.path, LoadMode::uncached);
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    CHECK(version_calls == 1);
    first.lease.release();
    std::this_thread::sleep_for(50ms);
    CHECK(manager.stats().unloads == 0);
    second.lease.release();
    CHECK(eventually([&] { return manager.stats().unloads == 1; }));
}

TEST_CASE("concurrent first requests wait for one GetExtensionVersion", "[modules]") {
    Fixture f;
    version_delay_ms = 100;
    auto manager = f.make();
    std::atomic<int> served{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            auto acquired = manager.acquire(f.path, LoadMode::cached);
            if (acquired.ok() && version_calls == 1) ++served;
        });
    }
    for (auto& t : threads) t.join();
    CHECK(served == 8);
    CHECK(version_calls == 1);
    CHECK(f.loader.opens == 1);
}

// The status (404 when the URL names the file, 500 through a wildcard) is
// the dispatcher's choice: tests/integration/host_test.cpp.
TEST_CASE("a missing module file is reported as missing, not as unloadable", "[modules]") {
    Fixture f;
    auto manager = f.make();
    const auto missing = (f.dir / "gone.so").string();
    auto named = manager.acquire(missing, LoadMode::cached);
    CHECK(named.failure == AcquireFailure::missing_file);
    CHECK_THAT(named.reason, Catch::Contains("no such file"));
}

TEST_CASE("a file that is not a module answers 500 with the loader's reason", "[modules]") {
    Fixture f;
    f.loader.refuse_open = true;
    auto manager = f.make();
    auto acquired = manager.acquire(f.path, LoadMode::cached);
    CHECK(acquired.failure == AcquireFailure::cannot_load);
    CHECK_THAT(acquired.reason, Catch::Contains("not a loadable module") && Catch::Contains("invalid ELF header"));
}

TEST_CASE("a module without HttpExtensionProc answers 500 and is closed again", "[modules]") {
    Fixture f;
    f.loader.add(f.path, {good_version, nullptr, terminate});
    auto manager = f.make();
    auto acquired = manager.acquire(f.path, LoadMode::cached);
    CHECK(acquired.failure == AcquireFailure::cannot_load);
    CHECK_THAT(acquired.reason, Catch::Contains("HttpExtensionProc"));
    CHECK(f.loader.closes == 1);
    CHECK(f.loader.mapped == 0);
}

TEST_CASE("GetExtensionVersion returning FALSE answers 500, and the next request tries again", "[modules]") {
    Fixture f;
    f.loader.add(f.path, {refusing_version, proc, terminate});
    auto manager = f.make();
    auto first = manager.acquire(f.path, LoadMode::cached);
    CHECK(first.failure == AcquireFailure::cannot_load);
    CHECK_THAT(first.reason, Catch::Contains("GetExtensionVersion returned FALSE"));
    CHECK(f.loader.mapped == 0);
    CHECK(terminate_calls == 0);  // TerminateExtension only follows a successful load
    f.loader.add(f.path, {good_version, proc, terminate});
    CHECK(manager.acquire(f.path, LoadMode::cached).ok());
    CHECK(manager.stats().load_failures == 1);
}

TEST_CASE("an exception escaping GetExtensionVersion is a finding and a 500", "[modules]") {
    Fixture f;
    f.loader.add(f.path, {throwing_version, proc, terminate});
    auto manager = f.make();
    CHECK(manager.acquire(f.path, LoadMode::cached).failure == AcquireFailure::cannot_load);
    CHECK(f.has_finding("exception_escaped"));
}

TEST_CASE("an unload that leaves the module mapped is reported as unload_ineffective", "[modules]") {
    Fixture f;
    f.loader.stays_mapped = true;
    auto manager = f.make();
    manager.acquire(f.path, LoadMode::uncached).lease.release();
    REQUIRE(eventually([&] { return manager.stats().unloads == 1; }));
    CHECK(eventually([&] { return f.has_finding("unload_ineffective"); }));
}

TEST_CASE("shutdown past its time limit reports the pending request and keeps the module", "[modules]") {
    Fixture f;
    auto manager = f.make(100ms);
    auto held = manager.acquire(f.path, LoadMode::cached);
    REQUIRE(held.ok());
    CHECK_FALSE(manager.shutdown());
    CHECK(f.has_finding("pending_at_unload"));
    CHECK(terminate_calls == 0);
    CHECK(manager.acquire(f.path, LoadMode::cached).failure == AcquireFailure::shutting_down);
}
