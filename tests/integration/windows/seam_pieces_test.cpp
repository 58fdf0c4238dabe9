// The Windows seam pieces the host uses in process, against the real OS
// (Wine here): renames, resource usage, the thread inventory, thread stacks.
#include <isapi/platform/module_loader.hpp>
#include <isapi/platform/renames.hpp>
#include <isapi/platform/resource_usage.hpp>
#include <isapi/platform/thread_inventory.hpp>
#include <isapi/platform/thread_stacks.hpp>

#include <catch2/catch.hpp>

#include <windows.h>

#include <process.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace isapi::platform;
namespace fs = std::filesystem;

namespace {

struct Folder {
    fs::path path = fs::temp_directory_path() / ("isapi-seam-" + std::to_string(::GetCurrentProcessId()));
    Folder() { fs::create_directories(path); }
    ~Folder() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string operator/(const char* name) const { return (path / name).string(); }
};

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
std::string read(const std::string& path) {
    std::ostringstream text;
    text << std::ifstream(path, std::ios::binary).rdbuf();
    return text.str();
}

DWORD WINAPI wait_for_event(void* event) {
    ::WaitForSingleObject(static_cast<HANDLE>(event), INFINITE);
    return 0;
}

unsigned __stdcall crt_wait_for_event(void* event) {
    ::WaitForSingleObject(static_cast<HANDLE>(event), INFINITE);
    return 0;
}

}  // namespace

TEST_CASE("rename_file replaces the target; exchange is refused; remove ignores a missing name", "[windows][renames]") {
    Folder folder;
    write(folder / "new", "new");
    write(folder / "old", "old");
    std::string error;
    REQUIRE(rename_file(folder / "new", folder / "old", error));
    CHECK(read(folder / "old") == "new");
    CHECK_FALSE(fs::exists(folder / "new"));

    CHECK_FALSE(exchange_available());
    CHECK(exchange_files(folder / "old", folder / "other", error) == ExchangeResult::unsupported);
    CHECK(error.find("Windows has no atomic exchange") != std::string::npos);

    CHECK(remove_file(folder / "old", error));
    CHECK_FALSE(fs::exists(folder / "old"));
    CHECK(remove_file(folder / "never-there", error));
    CHECK_FALSE(rename_file(folder / "never-there", folder / "x", error));
}

TEST_CASE("copy_file_in_place writes the whole file, paced", "[windows][renames]") {
    Folder folder;
    const std::string body(3 * 4096, 'x');
    write(folder / "from", body);
    write(folder / "to", "longer old content that must go away entirely, truncated by the copy");
    std::string error;
    REQUIRE(copy_file_in_place(folder / "from", folder / "to", 1'000'000, error));
    CHECK(read(folder / "to") == body);
    CHECK_FALSE(copy_file_in_place(folder / "missing", folder / "to", 0, error));
}

TEST_CASE("resource usage counts this process's threads and handles", "[windows][resource-usage]") {
    const ResourceUsage before = resource_usage();
    CHECK(before.rss_bytes > 0);
    CHECK(before.heap_in_use_bytes > 0);
    HANDLE event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    HANDLE thread = ::CreateThread(nullptr, 0, wait_for_event, event, 0, nullptr);
    REQUIRE(thread != nullptr);
    const ResourceUsage during = resource_usage();
    CHECK(during.threads == before.threads + 1);
    // Wine's GetProcessHandleCount says 0; the system's handle list counts them.
    CHECK(before.open_fds > 0);
    CHECK(during.open_fds >= before.open_fds + 2);
    ::SetEvent(event);
    ::WaitForSingleObject(thread, INFINITE);
    ::CloseHandle(thread);
    ::CloseHandle(event);
    CHECK(resource_usage().threads == before.threads);
}

TEST_CASE("the thread inventory finds a running thread by its start address in the watched image", "[windows][threads]") {
    // This executable's own image plays the module.
    const auto range = module_range(reinterpret_cast<const void*>(&wait_for_event));
    REQUIRE(range);
    CHECK(range->contains(reinterpret_cast<std::uintptr_t>(&wait_for_event)));
    CHECK_FALSE(module_range(reinterpret_cast<const void*>(0x10)));

    const std::uint64_t token = thread_inventory().watch(*range);
    HANDLE event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    HANDLE thread = ::CreateThread(nullptr, 0, wait_for_event, event, 0, nullptr);
    REQUIRE(thread != nullptr);
    thread_inventory().unwatch(token);  // as at an unload: the check follows it
    const auto running = thread_inventory().running(token);
    REQUIRE(running.size() == 1);
    CHECK(running[0].start_routine == reinterpret_cast<std::uintptr_t>(&wait_for_event));
    CHECK(running[0].start_offset == running[0].start_routine - range->begin);

    ::SetEvent(event);
    ::WaitForSingleObject(thread, INFINITE);
    ::CloseHandle(thread);
    ::CloseHandle(event);
    CHECK(thread_inventory().running(token).empty());
}

TEST_CASE("the thread inventory sees a thread started with _beginthreadex by its own start routine (IAT hook)",
          "[windows][threads]") {
    // A CRT DLL's _beginthreadex starts its own routine: the thread's start
    // address is in msvcrt.dll, so only the hooked import names the module.
    const auto range = module_range(reinterpret_cast<const void*>(&crt_wait_for_event));
    REQUIRE(range);
    const std::uint64_t token = thread_inventory().watch(*range);
    HANDLE event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    const auto thread = reinterpret_cast<HANDLE>(::_beginthreadex(nullptr, 0, crt_wait_for_event, event, 0, nullptr));
    REQUIRE(thread != nullptr);
    thread_inventory().unwatch(token);
    const auto running = thread_inventory().running(token);
    REQUIRE(running.size() == 1);
    CHECK(running[0].start_routine == reinterpret_cast<std::uintptr_t>(&crt_wait_for_event));
    CHECK(running[0].start_in_module);
    CHECK(running[0].creator_offset > 0);  // the call site, in this image

    ::SetEvent(event);
    ::WaitForSingleObject(thread, INFINITE);
    ::CloseHandle(thread);
    ::CloseHandle(event);
    CHECK(thread_inventory().running(token).empty());
}

TEST_CASE("the thread inventory counts the threads a module started while it loaded (DllMain)", "[windows][threads]") {
    // load_time_thread starts its thread from a constructor, which MinGW's
    // CRT runs in DllMain(DLL_PROCESS_ATTACH), inside LoadLibrary: before the
    // host can watch the module.
    const std::string dll = ISAPI_BUGGY_DIR "/load_time_thread.dll";
    if (!fs::exists(dll)) {
        WARN("no " << dll << " in this build");
        return;
    }
    auto& loader = system_module_loader();
    std::string error;
    const ModuleHandle module = loader.open(dll, error);
    INFO(error);
    REQUIRE(module != nullptr);
    const auto range = module_range(loader.symbol(module, "GetExtensionVersion"));
    REQUIRE(range);
    const std::uint64_t token = thread_inventory().watch(*range);
    thread_inventory().unwatch(token);
    const auto running = thread_inventory().running(token);
    REQUIRE(running.size() == 1);
    CHECK(running[0].start_in_module);
    // Left loaded: its thread never ends, and the process ends with it.
}

TEST_CASE("thread stacks name a waiting thread's frames, in gdb's layout, by DbgHelp", "[windows][stacks]") {
    HANDLE event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    DWORD id = 0;
    HANDLE thread = ::CreateThread(nullptr, 0, wait_for_event, event, 0, &id);
    REQUIRE(thread != nullptr);
    ::Sleep(100);  // in its wait by now
    const std::string stacks = all_thread_stacks(std::chrono::seconds(20));
    ::SetEvent(event);
    ::WaitForSingleObject(thread, INFINITE);
    ::CloseHandle(thread);
    ::CloseHandle(event);

    INFO(stacks);
    const auto at = stacks.find("(LWP " + std::to_string(id) + ")):\n");
    REQUIRE(at != std::string::npos);
    const std::string block = stacks.substr(at, stacks.find("\n\n", at) - at);
    CHECK(block.find("#0  0x") != std::string::npos);
    CHECK(block.find("WaitForSingleObject") != std::string::npos);
    CHECK(block.find("windows_seam_pieces_tests.exe+0x") != std::string::npos);
    CHECK(stacks.find("(the thread taking these stacks)") != std::string::npos);
}
