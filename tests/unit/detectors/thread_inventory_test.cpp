// The thread inventory with pthread_create really interposed: this test
// executable links isapi::thread_interpose, as isapi-host does, and loads
// real sample modules.
#include <detectors/leftover_threads.hpp>
#include <isapi/platform/thread_inventory.hpp>

#include <catch2/catch.hpp>

#include <httpext.h>

#include <dlfcn.h>

#include <thread>

using namespace std::chrono_literals;
using isapi::platform::module_range;
using isapi::platform::thread_inventory;

namespace {

// A sample module, opened and watched as the host's loader does it.
struct WatchedModule {
    explicit WatchedModule(const char* path) : handle(dlopen(path, RTLD_NOW | RTLD_LOCAL)) {
        REQUIRE(handle);
        get_version = reinterpret_cast<PFN_GETEXTENSIONVERSION>(dlsym(handle, "GetExtensionVersion"));
        terminate = reinterpret_cast<PFN_TERMINATEEXTENSION>(dlsym(handle, "TerminateExtension"));
        REQUIRE(get_version);
        REQUIRE(terminate);
        const auto range = module_range(reinterpret_cast<const void*>(get_version));
        REQUIRE(range);
        size = range->end - range->begin;
        token = thread_inventory().watch(*range);
    }
    ~WatchedModule() { thread_inventory().unwatch(token); }

    // GetExtensionVersion, then the module's threads that are running.
    std::vector<isapi::platform::RecordedThread> start() {
        HSE_VERSION_INFO info{};
        REQUIRE(get_version(&info));
        return thread_inventory().running(token);
    }

    void* handle;
    PFN_GETEXTENSIONVERSION get_version = nullptr;
    PFN_TERMINATEEXTENSION terminate = nullptr;
    std::uintptr_t size = 0;
    std::uint64_t token = 0;
};

}  // namespace

TEST_CASE("the thread inventory records the thread a watched module starts until its start routine returns",
          "[detectors][threads]") {
    WatchedModule async(ISAPI_SAMPLE_ASYNC);
    const auto running = async.start();
    REQUIRE(running.size() == 1);
    CHECK(running.front().start_offset < async.size);
    // async joins its thread in TerminateExtension.
    REQUIRE(async.terminate(HSE_TERM_MUST_UNLOAD));
    CHECK(thread_inventory().running(async.token).empty());
    CHECK_FALSE(isapi::host::threads_left_running(async.token, "async.so", 50ms));
    dlclose(async.handle);
}

TEST_CASE("the thread inventory does not record threads the host starts itself", "[detectors][threads]") {
    WatchedModule async(ISAPI_SAMPLE_ASYNC);
    std::thread host_thread([] { std::this_thread::sleep_for(50ms); });
    CHECK(thread_inventory().running(async.token).empty());
    host_thread.join();
    dlclose(async.handle);
}

TEST_CASE("a thread thread_leak leaves running after TerminateExtension is named with its module and start routine",
          "[detectors][threads]") {
    // Never closed: its thread waits on a condition variable in its data.
    WatchedModule leak(ISAPI_BUGGY_THREAD_LEAK);
    REQUIRE(leak.start().size() == 1);
    REQUIRE(leak.terminate(HSE_TERM_MUST_UNLOAD));
    const auto evidence = isapi::host::threads_left_running(leak.token, "thread_leak.so", 50ms);
    REQUIRE(evidence);
    CHECK(evidence->starts_with("1 thread(s) started by thread_leak.so still running 50 ms after TerminateExtension "
                                "returned (start routine thread_leak.so+0x"));
}

TEST_CASE("a std::thread a C++ module starts is the module's, found through the creating call stack",
          "[detectors][threads]") {
    // Never closed: its detached thread runs module code forever.
    WatchedModule cpp(ISAPI_TEST_STD_THREAD_LEAK);
    const auto running = cpp.start();
    REQUIRE(running.size() == 1);
    CHECK_FALSE(running.front().start_in_module);
    CHECK(running.front().creator_offset > 0);
    CHECK(running.front().creator_offset < cpp.size);
    const auto evidence = isapi::host::threads_left_running(cpp.token, "std_thread_leak.so", 10ms);
    REQUIRE(evidence);
    CHECK(evidence->find("in libstdc++.so.6, started from std_thread_leak.so+0x") != std::string::npos);
}
