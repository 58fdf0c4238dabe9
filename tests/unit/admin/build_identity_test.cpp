#include "fake_module_loader.hpp"

#include <modules/build_identity.hpp>
#include <modules/module_manager.hpp>
#include <isapi/platform/sha256.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace isapi;
using namespace std::chrono_literals;

namespace {

BOOL WINAPI good_version(HSE_VERSION_INFO* info) {
    info->dwExtensionVersion = HSE_VERSION;
    std::snprintf(info->lpszExtensionDesc, HSE_MAX_EXT_DLL_NAME_LEN, "test build");
    return TRUE;
}
BOOL WINAPI refusing_version(HSE_VERSION_INFO*) { return FALSE; }
DWORD WINAPI proc(EXTENSION_CONTROL_BLOCK*) { return HSE_STATUS_SUCCESS; }
BOOL WINAPI terminate(DWORD) { return TRUE; }

struct Scratch {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("isapi-identity-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    Scratch() { std::filesystem::create_directories(dir); }
    ~Scratch() { std::filesystem::remove_all(dir); }
    std::string write(const std::string& name, const std::string& content) const {
        const auto path = (dir / name).string();
        std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
        return path;
    }
};

struct Recorded {
    std::mutex mutex;
    std::vector<host::ModuleEvent> events;
    void add(const host::ModuleEvent& e) {
        std::lock_guard lock(mutex);
        events.push_back(e);
    }
    std::vector<host::ModuleEvent::Kind> kinds() {
        std::lock_guard lock(mutex);
        std::vector<host::ModuleEvent::Kind> out;
        for (auto& e : events) out.push_back(e.kind);
        return out;
    }
};

}  // namespace

TEST_CASE("the build identity names the file, a 12-digit hash, pid, worker and load", "[identity]") {
    const std::string hash = platform::sha256_hex("module bytes");
    CHECK(host::format_build_identity("version_v1.so", hash, 1234, 1, 3) ==
          "version_v1.so; sha256=" + hash.substr(0, 12) + "; pid=1234; worker=1; load=3");
    CHECK(host::format_build_identity("x.so", "", 7, 2, 9) == "x.so; sha256=unknown; pid=7; worker=2; load=9");
}

TEST_CASE("the module hasher hashes the file's bytes and hashes again after a replacement", "[identity]") {
    Scratch scratch;
    const auto path = scratch.write("app.so", "first build");
    host::ModuleHasher hasher;
    std::string error;
    auto first = hasher.hash(path, error);
    REQUIRE(first);
    CHECK(first->sha256 == platform::sha256_hex("first build"));
    CHECK(hasher.hash(path, error)->sha256 == first->sha256);
    CHECK(hasher.files_hashed() == 1);  // the second call was a stamp match

    // Rename-replace: a new inode at the same path.
    const auto staged = scratch.write("app.so.new", "second build, same length?");
    std::filesystem::rename(staged, path);
    auto second = hasher.hash(path, error);
    REQUIRE(second);
    CHECK(second->sha256 == platform::sha256_hex("second build, same length?"));
    CHECK(hasher.files_hashed() == 2);
}

TEST_CASE("the module hasher notices an in-place rewrite of the same size", "[identity]") {
    Scratch scratch;
    const auto path = scratch.write("app.so", "AAAAAAAA");
    host::ModuleHasher hasher;
    std::string error;
    REQUIRE(hasher.hash(path, error)->sha256 == platform::sha256_hex("AAAAAAAA"));
    std::this_thread::sleep_for(20ms);  // a change time the file system can tell apart
    scratch.write("app.so", "BBBBBBBB");
    CHECK(hasher.hash(path, error)->sha256 == platform::sha256_hex("BBBBBBBB"));
}

TEST_CASE("the module hasher reports a file it cannot read", "[identity]") {
    host::ModuleHasher hasher;
    std::string error;
    CHECK_FALSE(hasher.hash("/nonexistent/isapi/module.so", error));
    CHECK_FALSE(error.empty());
}

TEST_CASE("a manager with identity on gives each load its own precomputed header", "[identity][modules]") {
    Scratch scratch;
    const auto path = scratch.write("version_v1.so", "version one");
    test::FakeModuleLoader loader;
    loader.add(path, {good_version, proc, terminate});
    Recorded recorded;
    host::ModuleManagerOptions options{2s};
    options.identity = host::IdentityOptions{4321, 1, true};
    options.events = [&recorded](const host::ModuleEvent& e) { recorded.add(e); };
    host::ModuleManager manager(loader, [](std::function<void()> task) { task(); }, {}, std::move(options));

    const std::string short_hash = platform::sha256_hex("version one").substr(0, 12);
    for (std::uint64_t load = 1; load <= 2; ++load) {
        auto acquired = manager.acquire(path, host::LoadMode::uncached);
        REQUIRE(acquired.ok());
        const auto& headers = acquired.lease.identity_headers();
        REQUIRE(headers.size() == 1);
        CHECK(headers[0].name == "X-Isapi-Build");
        CHECK(headers[0].value ==
              "version_v1.so; sha256=" + short_hash + "; pid=4321; worker=1; load=" + std::to_string(load));
        acquired.lease.release();  // uncached: unloads (inline executor)
    }
    using K = host::ModuleEvent::Kind;
    CHECK(recorded.kinds() == std::vector<K>{K::loaded, K::terminated, K::unloaded, K::loaded, K::terminated,
                                             K::unloaded});
    CHECK(recorded.events[0].identity == "version_v1.so; sha256=" + short_hash + "; pid=4321; worker=1; load=1");
    CHECK(recorded.events[0].description == "test build");
}

TEST_CASE("a manager with the identity header off still knows each module's hash", "[identity][modules]") {
    Scratch scratch;
    const auto path = scratch.write("app.so", "bytes");
    test::FakeModuleLoader loader;
    loader.add(path, {good_version, proc, terminate});
    host::ModuleManagerOptions options{2s};
    options.identity = host::IdentityOptions{1, 1, false};
    host::ModuleManager manager(loader, [](std::function<void()> task) { task(); }, {}, std::move(options));
    auto acquired = manager.acquire(path, host::LoadMode::cached);
    REQUIRE(acquired.ok());
    CHECK(acquired.lease.identity_headers().empty());
    const auto modules = manager.loaded_modules();
    REQUIRE(modules.size() == 1);
    CHECK(modules[0].sha256 == platform::sha256_hex("bytes"));
    CHECK(modules[0].module == "app.so");
    CHECK(modules[0].requests == 1);
}

TEST_CASE("a manager reports a refused load as a load_failed event with the reason", "[identity][modules]") {
    Scratch scratch;
    const auto path = scratch.write("bad.so", "bytes");
    test::FakeModuleLoader loader;
    loader.add(path, {refusing_version, proc, terminate});
    Recorded recorded;
    host::ModuleManagerOptions options{2s};
    options.events = [&recorded](const host::ModuleEvent& e) { recorded.add(e); };
    host::ModuleManager manager(loader, [](std::function<void()> task) { task(); }, {}, std::move(options));
    CHECK(manager.acquire(path, host::LoadMode::cached).failure == host::AcquireFailure::cannot_load);
    REQUIRE(recorded.events.size() == 1);
    CHECK(recorded.events[0].kind == host::ModuleEvent::Kind::load_failed);
    CHECK(recorded.events[0].module == "bad.so");
    CHECK(recorded.events[0].detail.find("GetExtensionVersion returned FALSE") != std::string::npos);
}
