// Heaps, time, modules, DllMain and OutputDebugString of the Win32
// compatibility layer, against Microsoft Learn (page names below).
#include <windows.h>

#include <catch2/catch.hpp>

#include <dlfcn.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

extern "C" int isapi_win32_order_httpext_first(void);
extern "C" int isapi_win32_order_windows_first(void);

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Runs fn with stderr sent to a file; returns what was written.
template <typename Fn>
std::string stderr_of(Fn fn) {
    char path[] = "/tmp/win32_compat_stderr_XXXXXX";
    int file = mkstemp(path);
    std::fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(file, STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(file);
    std::string text = read_file(path);
    unlink(path);
    return text;
}

}  // namespace

TEST_CASE("windows.h and httpext.h compile in either order, in C", "[win32_compat][headers]") {
    CHECK(isapi_win32_order_httpext_first() == 4);
    CHECK(isapi_win32_order_windows_first() == 3);
}

// "HeapAlloc", "HeapSize", "HeapReAlloc", "HeapFree": HEAP_ZERO_MEMORY
// zeroes, also the part a reallocation adds; HeapSize is the size asked for.
TEST_CASE("HeapAlloc, HeapReAlloc, HeapSize and HeapFree on the process heap", "[win32_compat][heap]") {
    HANDLE heap = GetProcessHeap();
    REQUIRE(heap != nullptr);
    CHECK(GetProcessHeap() == heap);  // one process heap
    auto* p = static_cast<unsigned char*>(HeapAlloc(heap, HEAP_ZERO_MEMORY, 100));
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<uintptr_t>(p) % 16 == 0);
    CHECK((p[0] == 0 && p[99] == 0));
    CHECK(HeapSize(heap, 0, p) == 100);
    std::memset(p, 0xab, 100);
    p = static_cast<unsigned char*>(HeapReAlloc(heap, HEAP_ZERO_MEMORY, p, 300));
    REQUIRE(p != nullptr);
    CHECK((p[99] == 0xab && p[100] == 0 && p[299] == 0));
    CHECK(HeapSize(heap, 0, p) == 300);
    CHECK(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, p, 1000) == nullptr);  // would have to move
    CHECK(HeapReAlloc(heap, HEAP_REALLOC_IN_PLACE_ONLY, p, 10) == p);
    CHECK(HeapSize(heap, 0, p) == 10);
    CHECK(HeapFree(heap, 0, p));
}

// "HeapCreate", "HeapDestroy": destroying a private heap frees every block
// still in it (under LeakSanitizer a leak here would fail the run); the
// process heap cannot be destroyed.
TEST_CASE("HeapDestroy frees the blocks of a private heap", "[win32_compat][heap]") {
    HANDLE heap = HeapCreate(0, 0, 0);
    REQUIRE(heap != nullptr);
    for (int i = 0; i < 10; ++i) CHECK(HeapAlloc(heap, 0, 64) != nullptr);
    void* freed = HeapAlloc(heap, 0, 8);
    CHECK(HeapFree(heap, 0, freed));
    CHECK(HeapDestroy(heap));
    CHECK_FALSE(HeapDestroy(GetProcessHeap()));
}

// "Sleep", "SleepEx": at least the time asked (generous upper bound);
// SleepEx returns 0 when no callback cut it short.
TEST_CASE("Sleep and SleepEx wait about the time asked", "[win32_compat][time]") {
    auto start = std::chrono::steady_clock::now();
    Sleep(30);
    CHECK(SleepEx(20, TRUE) == 0);
    Sleep(0);
    double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(waited >= 0.049);
    CHECK(waited < 5.0);
}

// "GetTickCount", "GetTickCount64", "QueryPerformanceCounter",
// "QueryPerformanceFrequency": milliseconds that move forward; the counter
// over its frequency measures a sleep.
TEST_CASE("tick counts and the performance counter move with time", "[win32_compat][time]") {
    ULONGLONG t64 = GetTickCount64();
    DWORD t32 = GetTickCount();
    CHECK(t32 == static_cast<DWORD>(t64 + (GetTickCount() - t32)));  // the low 32 bits of the same clock
    LARGE_INTEGER frequency, before, after;
    CHECK(QueryPerformanceFrequency(&frequency));
    CHECK(frequency.QuadPart > 0);
    CHECK(QueryPerformanceCounter(&before));
    Sleep(40);
    CHECK(QueryPerformanceCounter(&after));
    double seconds = double(after.QuadPart - before.QuadPart) / double(frequency.QuadPart);
    CHECK(seconds >= 0.039);
    CHECK(seconds < 5.0);
    CHECK(GetTickCount64() - t64 >= 39);
}

// "GetModuleHandleA", "GetModuleFileNameA": NULL is the executable; a
// too-small buffer truncates, returns nSize and ERROR_INSUFFICIENT_BUFFER.
TEST_CASE("GetModuleHandle(NULL) and GetModuleFileName name the executable", "[win32_compat][module]") {
    HMODULE exe = GetModuleHandleA(nullptr);
    REQUIRE(exe != nullptr);
    char path[MAX_PATH];
    DWORD n = GetModuleFileNameA(nullptr, path, MAX_PATH);
    CHECK(n == std::strlen(path));
    CHECK(std::string(path).find("win32_compat_tests") != std::string::npos);
    char same[MAX_PATH];
    CHECK(GetModuleFileNameA(exe, same, MAX_PATH) == n);
    CHECK(std::string(same) == path);
    char small[5];
    CHECK(GetModuleFileNameA(nullptr, small, sizeof small) == sizeof small);
    CHECK(GetLastError() == ERROR_INSUFFICIENT_BUFFER);
    CHECK(std::string(small) == std::string(path).substr(0, 4));
    CHECK(GetModuleHandleA("no_such_module.dll") == nullptr);
    CHECK(GetLastError() == ERROR_MOD_NOT_FOUND);
}

// "DllMain entry point": DLL_PROCESS_ATTACH at load with the module's
// handle, DLL_PROCESS_DETACH at unload; "DisableThreadLibraryCalls". The
// probe is built as C and as C++.
TEST_CASE("DllMain is called at load and unload with a handle GetModuleFileName knows", "[win32_compat][module]") {
    for (std::string probe : {ISAPI_TEST_DLLMAIN_PROBE, ISAPI_TEST_DLLMAIN_PROBE_CPP}) {
        INFO(probe);
        std::string log = "/tmp/win32_compat_dllmain_" + std::to_string(getpid());
        std::remove(log.c_str());
        setenv("ISAPI_TEST_DLLMAIN_LOG", log.c_str(), 1);
        void* module = dlopen(probe.c_str(), RTLD_NOW | RTLD_LOCAL);
        REQUIRE(module != nullptr);
        std::string attached = "attach " + probe + "\ndisable_thread_calls TRUE\n";
        CHECK(read_file(log) == attached);
        auto get_version = reinterpret_cast<PFN_GETEXTENSIONVERSION>(dlsym(module, "GetExtensionVersion"));
        REQUIRE(get_version != nullptr);
        HSE_VERSION_INFO info{};
        CHECK(get_version(&info));
        CHECK(std::string(info.lpszExtensionDesc) == "found same");  // by its Windows name, with or without .dll
        std::string upper = probe.substr(probe.rfind('/') + 1);
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        CHECK(GetModuleHandleA(upper.c_str()) != nullptr);  // names are compared ignoring case
        CHECK(dlclose(module) == 0);
        CHECK(read_file(log) == attached + "detach exe-found\n");
        unsetenv("ISAPI_TEST_DLLMAIN_LOG");
        std::remove(log.c_str());
    }
}

// "OutputDebugStringA": the text goes to a debugger; here to stderr, one
// line in the host's log format, trailing line ends dropped.
TEST_CASE("OutputDebugString writes one line to stderr in the host's log format", "[win32_compat][debug]") {
    std::string text = stderr_of([] { OutputDebugStringA("hello from the extension\r\n"); });
    INFO(text);
    CHECK(text.find(" debug [OutputDebugString pid " + std::to_string(getpid()) + "] hello from the extension\n") !=
          std::string::npos);
    CHECK(text.size() > 24);
    CHECK(text[4] == '-');  // 2026-12-05T01:30:05.474 ...
    CHECK(text[10] == 'T');
    CHECK(text.back() == '\n');
    CHECK(text.find('\n') == text.size() - 1);  // one line
}
