// Threads, events, semaphores, mutexes, waits, critical sections and
// Interlocked* of the Win32 compatibility layer, against Microsoft Learn
// (page names below). No timing is asserted beyond generous bounds.
#include <windows.h>

#include <catch2/catch.hpp>

#include <chrono>

namespace {

DWORD WINAPI return_argument(LPVOID p) { return (DWORD)(uintptr_t)p; }

DWORD WINAPI exit_early(LPVOID) {
    ExitThread(42);
}

// Waits on the event it is given, then returns 7.
DWORD WINAPI wait_for_event(LPVOID event) {
    return WaitForSingleObject(static_cast<HANDLE>(event), INFINITE) == WAIT_OBJECT_0 ? 7 : 0;
}

HANDLE g_mutex_to_abandon;
DWORD WINAPI take_and_end(LPVOID) {
    return WaitForSingleObject(g_mutex_to_abandon, INFINITE);  // ends owning it
}

CRITICAL_SECTION g_section;
long g_counter;  // guarded by g_section
DWORD WINAPI count_under_section(LPVOID) {
    for (int i = 0; i < 10000; ++i) {
        EnterCriticalSection(&g_section);
        ++g_counter;
        LeaveCriticalSection(&g_section);
    }
    return 0;
}

LONG volatile g_interlocked;
DWORD WINAPI count_interlocked(LPVOID) {
    for (int i = 0; i < 10000; ++i) InterlockedIncrement(&g_interlocked);
    return 0;
}

// Runs routine on four threads at once; TRUE when all four ended in time.
bool run_on_four_threads(LPTHREAD_START_ROUTINE routine) {
    HANDLE threads[4];
    for (HANDLE& t : threads) t = CreateThread(nullptr, 0, routine, nullptr, 0, nullptr);
    bool ended = WaitForMultipleObjects(4, threads, TRUE, 30000) == WAIT_OBJECT_0;
    for (HANDLE t : threads) CloseHandle(t);
    return ended;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

// "CreateThread", "GetExitCodeThread", "WaitForSingleObject",
// "CloseHandle": a thread's handle is signaled when it ends, its exit code
// is the routine's return value, STILL_ACTIVE before.
TEST_CASE("CreateThread runs the routine; its handle is signaled with the exit code", "[win32_compat][threads]") {
    DWORD id = 0;
    HANDLE t = CreateThread(nullptr, 0, return_argument, (LPVOID)(uintptr_t)1234, 0, &id);
    REQUIRE(t != nullptr);
    CHECK(id != 0);
    CHECK(id != GetCurrentThreadId());
    CHECK(WaitForSingleObject(t, 10000) == WAIT_OBJECT_0);
    DWORD code = 0;
    CHECK(GetExitCodeThread(t, &code));
    CHECK(code == 1234);
    CHECK(CloseHandle(t));
}

TEST_CASE("GetExitCodeThread says STILL_ACTIVE until the thread ends", "[win32_compat][threads]") {
    HANDLE go = CreateEventA(nullptr, TRUE, FALSE, nullptr);
    HANDLE t = CreateThread(nullptr, 64 * 1024, wait_for_event, go, 0, nullptr);
    REQUIRE(t != nullptr);
    DWORD code = 0;
    CHECK(GetExitCodeThread(t, &code));
    CHECK(code == STILL_ACTIVE);
    CHECK(WaitForSingleObject(t, 0) == WAIT_TIMEOUT);
    CHECK(SetEvent(go));
    CHECK(WaitForSingleObject(t, 10000) == WAIT_OBJECT_0);
    CHECK(GetExitCodeThread(t, &code));
    CHECK(code == 7);
    CloseHandle(t);
    CloseHandle(go);
}

// "ExitThread": the exit code is the argument; the routine does not return.
TEST_CASE("ExitThread ends the thread with its code", "[win32_compat][threads]") {
    HANDLE t = CreateThread(nullptr, 0, exit_early, nullptr, 0, nullptr);
    REQUIRE(t != nullptr);
    CHECK(WaitForSingleObject(t, 10000) == WAIT_OBJECT_0);
    DWORD code = 0;
    CHECK(GetExitCodeThread(t, &code));
    CHECK(code == 42);
    CloseHandle(t);
}

TEST_CASE("CreateThread refuses CREATE_SUSPENDED and a null routine", "[win32_compat][threads]") {
    CHECK(CreateThread(nullptr, 0, return_argument, nullptr, CREATE_SUSPENDED, nullptr) == nullptr);
    CHECK(GetLastError() == ERROR_NOT_SUPPORTED);
    CHECK(CreateThread(nullptr, 0, nullptr, nullptr, 0, nullptr) == nullptr);
    CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
}

// A handle closed while its thread runs: the thread goes on and frees its
// own state ("CloseHandle": closing a thread handle does not end the thread).
TEST_CASE("closing a running thread's handle leaves the thread running", "[win32_compat][threads]") {
    HANDLE go = CreateEventA(nullptr, TRUE, FALSE, nullptr);
    HANDLE t = CreateThread(nullptr, 0, wait_for_event, go, 0, nullptr);
    REQUIRE(t != nullptr);
    CHECK(CloseHandle(t));
    CHECK(WaitForSingleObject(t, 0) == WAIT_FAILED);  // the handle is gone
    CHECK(GetLastError() == ERROR_INVALID_HANDLE);
    SetEvent(go);  // the thread ends and frees what it had; a leak would show under ASan
    Sleep(50);
    CloseHandle(go);
}

// "CloseHandle": FALSE and ERROR_INVALID_HANDLE for a handle that is not one.
TEST_CASE("CloseHandle refuses handles that are not open", "[win32_compat][handles]") {
    CHECK_FALSE(CloseHandle(nullptr));
    CHECK(GetLastError() == ERROR_INVALID_HANDLE);
    CHECK_FALSE(CloseHandle(INVALID_HANDLE_VALUE));
    HANDLE e = CreateEventA(nullptr, FALSE, FALSE, nullptr);
    CHECK(CloseHandle(e));
    CHECK_FALSE(CloseHandle(e));
}

// "CreateEventA", "SetEvent", "ResetEvent": an auto-reset event releases one
// wait and resets; a manual-reset one stays signaled until ResetEvent.
TEST_CASE("auto-reset events release one wait, manual-reset events every wait", "[win32_compat][events]") {
    HANDLE automatic = CreateEventA(nullptr, FALSE, TRUE, nullptr);
    CHECK(WaitForSingleObject(automatic, 0) == WAIT_OBJECT_0);
    CHECK(WaitForSingleObject(automatic, 0) == WAIT_TIMEOUT);
    SetEvent(automatic);
    CHECK(WaitForSingleObject(automatic, 0) == WAIT_OBJECT_0);
    HANDLE manual = CreateEventA(nullptr, TRUE, FALSE, nullptr);
    CHECK(WaitForSingleObject(manual, 0) == WAIT_TIMEOUT);
    SetEvent(manual);
    CHECK(WaitForSingleObject(manual, 0) == WAIT_OBJECT_0);
    CHECK(WaitForSingleObject(manual, 0) == WAIT_OBJECT_0);
    ResetEvent(manual);
    CHECK(WaitForSingleObject(manual, 0) == WAIT_TIMEOUT);
    CHECK_FALSE(SetEvent(nullptr));
    CloseHandle(automatic);
    CloseHandle(manual);
}

TEST_CASE("a wait times out after about its timeout", "[win32_compat][waits]") {
    HANDLE e = CreateEventA(nullptr, TRUE, FALSE, nullptr);
    auto start = std::chrono::steady_clock::now();
    CHECK(WaitForSingleObject(e, 50) == WAIT_TIMEOUT);
    double waited = seconds_since(start);
    CHECK(waited >= 0.045);
    CHECK(waited < 5.0);  // generous: a loaded machine
    CloseHandle(e);
}

TEST_CASE("a waiting thread wakes when another signals", "[win32_compat][waits]") {
    HANDLE go = CreateEventA(nullptr, FALSE, FALSE, nullptr);
    HANDLE t = CreateThread(nullptr, 0, wait_for_event, go, 0, nullptr);
    Sleep(20);
    SetEvent(go);
    CHECK(WaitForSingleObject(t, 10000) == WAIT_OBJECT_0);
    CloseHandle(t);
    CloseHandle(go);
}

// "CreateSemaphoreA", "ReleaseSemaphore": a wait takes one count; a release
// past the maximum fails with ERROR_TOO_MANY_POSTS and changes nothing.
TEST_CASE("semaphores count, and refuse a release past their maximum", "[win32_compat][semaphores]") {
    HANDLE s = CreateSemaphoreA(nullptr, 1, 2, nullptr);
    REQUIRE(s != nullptr);
    CHECK(WaitForSingleObject(s, 0) == WAIT_OBJECT_0);
    CHECK(WaitForSingleObject(s, 0) == WAIT_TIMEOUT);
    LONG previous = -1;
    CHECK(ReleaseSemaphore(s, 2, &previous));
    CHECK(previous == 0);
    CHECK_FALSE(ReleaseSemaphore(s, 1, &previous));
    CHECK(GetLastError() == ERROR_TOO_MANY_POSTS);
    CHECK(WaitForSingleObject(s, 0) == WAIT_OBJECT_0);
    CHECK(WaitForSingleObject(s, 0) == WAIT_OBJECT_0);
    CHECK(WaitForSingleObject(s, 0) == WAIT_TIMEOUT);
    CHECK_FALSE(ReleaseSemaphore(s, 0, nullptr));
    CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
    CHECK(CreateSemaphoreA(nullptr, 3, 2, nullptr) == nullptr);
    CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
    CloseHandle(s);
}

// "CreateMutexA", "ReleaseMutex": the owner may wait again (recursion) and
// must release as often; another thread's ReleaseMutex fails with
// ERROR_NOT_OWNER; a mutex whose owner ended is WAIT_ABANDONED to the next.
TEST_CASE("mutexes are recursive, owned, and abandoned when their owner ends", "[win32_compat][mutexes]") {
    HANDLE m = CreateMutexA(nullptr, TRUE, nullptr);
    REQUIRE(m != nullptr);
    CHECK(WaitForSingleObject(m, 0) == WAIT_OBJECT_0);  // owner again
    CHECK(ReleaseMutex(m));
    CHECK(ReleaseMutex(m));
    CHECK_FALSE(ReleaseMutex(m));
    CHECK(GetLastError() == ERROR_NOT_OWNER);

    g_mutex_to_abandon = m;
    HANDLE t = CreateThread(nullptr, 0, take_and_end, nullptr, 0, nullptr);
    CHECK(WaitForSingleObject(t, 10000) == WAIT_OBJECT_0);
    DWORD code = 99;
    GetExitCodeThread(t, &code);
    CHECK(code == WAIT_OBJECT_0);
    CHECK_FALSE(ReleaseMutex(m));  // not ours
    CHECK(WaitForSingleObject(m, 10000) == WAIT_ABANDONED_0);
    CHECK(ReleaseMutex(m));
    CHECK(WaitForSingleObject(m, 0) == WAIT_OBJECT_0);  // abandoned only once
    CHECK(ReleaseMutex(m));
    CloseHandle(t);
    CloseHandle(m);
}

// "WaitForMultipleObjects": with bWaitAll FALSE the lowest signaled index;
// with TRUE all at once or none; 0 or more than MAXIMUM_WAIT_OBJECTS
// handles, or one handle twice, is ERROR_INVALID_PARAMETER.
TEST_CASE("WaitForMultipleObjects waits for any or for all", "[win32_compat][waits]") {
    HANDLE e[3] = {CreateEventA(nullptr, TRUE, FALSE, nullptr), CreateEventA(nullptr, FALSE, FALSE, nullptr),
                   CreateSemaphoreA(nullptr, 0, 5, nullptr)};
    CHECK(WaitForMultipleObjects(3, e, FALSE, 0) == WAIT_TIMEOUT);
    SetEvent(e[1]);
    ReleaseSemaphore(e[2], 1, nullptr);
    CHECK(WaitForMultipleObjects(3, e, FALSE, 0) == WAIT_OBJECT_0 + 1);  // lowest first; auto-reset now
    CHECK(WaitForMultipleObjects(3, e, FALSE, 0) == WAIT_OBJECT_0 + 2);
    // All: one not signaled takes nothing from the others.
    SetEvent(e[0]);
    ReleaseSemaphore(e[2], 1, nullptr);
    CHECK(WaitForMultipleObjects(3, e, TRUE, 20) == WAIT_TIMEOUT);
    CHECK(WaitForSingleObject(e[2], 0) == WAIT_OBJECT_0);  // the semaphore's count is still there
    ReleaseSemaphore(e[2], 1, nullptr);
    SetEvent(e[1]);
    CHECK(WaitForMultipleObjects(3, e, TRUE, 0) == WAIT_OBJECT_0);
    CHECK(WaitForSingleObject(e[1], 0) == WAIT_TIMEOUT);  // the auto-reset event was taken
    CHECK(WaitForSingleObject(e[0], 0) == WAIT_OBJECT_0);  // the manual-reset one was not reset

    CHECK(WaitForMultipleObjects(0, e, FALSE, 0) == WAIT_FAILED);
    CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
    HANDLE twice[2] = {e[0], e[0]};
    CHECK(WaitForMultipleObjects(2, twice, FALSE, 0) == WAIT_FAILED);
    CHECK(GetLastError() == ERROR_INVALID_PARAMETER);
    HANDLE bad[2] = {e[0], (HANDLE)(uintptr_t)0x7ffffff0};
    CHECK(WaitForMultipleObjects(2, bad, FALSE, 0) == WAIT_FAILED);
    CHECK(GetLastError() == ERROR_INVALID_HANDLE);
    for (HANDLE h : e) CloseHandle(h);
}

TEST_CASE("WaitForMultipleObjects waits for several threads to end", "[win32_compat][waits][threads]") {
    HANDLE go = CreateEventA(nullptr, TRUE, FALSE, nullptr);
    HANDLE threads[4];
    for (HANDLE& t : threads) t = CreateThread(nullptr, 0, wait_for_event, go, 0, nullptr);
    CHECK(WaitForMultipleObjects(4, threads, TRUE, 0) == WAIT_TIMEOUT);
    SetEvent(go);
    CHECK(WaitForMultipleObjects(4, threads, TRUE, 10000) == WAIT_OBJECT_0);
    for (HANDLE t : threads) CloseHandle(t);
    CloseHandle(go);
}

// "EnterCriticalSection", "TryEnterCriticalSection": recursive for the
// owner; another thread's try fails while it is held.
TEST_CASE("critical sections exclude other threads and are recursive", "[win32_compat][critical_section]") {
    InitializeCriticalSection(&g_section);
    g_counter = 0;
    CHECK(run_on_four_threads(count_under_section));
    CHECK(g_counter == 40000);
    EnterCriticalSection(&g_section);
    CHECK(TryEnterCriticalSection(&g_section));
    LeaveCriticalSection(&g_section);
    LeaveCriticalSection(&g_section);
    DeleteCriticalSection(&g_section);
    CHECK(InitializeCriticalSectionAndSpinCount(&g_section, 4000));
    DeleteCriticalSection(&g_section);
}

// "InterlockedIncrement" and friends: the resulting value (Increment,
// Decrement) or the initial one (Exchange, ExchangeAdd, CompareExchange).
TEST_CASE("Interlocked functions return what Microsoft documents", "[win32_compat][interlocked]") {
    LONG volatile v = 5;
    CHECK(InterlockedIncrement(&v) == 6);
    CHECK(InterlockedDecrement(&v) == 5);
    CHECK(InterlockedExchange(&v, 9) == 5);
    CHECK(InterlockedExchangeAdd(&v, 3) == 9);
    CHECK(v == 12);
    CHECK(InterlockedCompareExchange(&v, 1, 0) == 12);  // no match: unchanged
    CHECK(v == 12);
    CHECK(InterlockedCompareExchange(&v, 1, 12) == 12);
    CHECK(v == 1);
    CHECK(InterlockedOr(&v, 6) == 1);
    CHECK(InterlockedAnd(&v, 3) == 7);
    CHECK(v == 3);
    LONG64 volatile w = 1LL << 40;
    CHECK(InterlockedIncrement64(&w) == (1LL << 40) + 1);
    CHECK(InterlockedCompareExchange64(&w, 0, (1LL << 40) + 1) == (1LL << 40) + 1);
    CHECK(w == 0);
    int target = 0;
    PVOID volatile p = nullptr;
    CHECK(InterlockedCompareExchangePointer(&p, &target, nullptr) == nullptr);
    CHECK(InterlockedExchangePointer(&p, nullptr) == &target);

    g_interlocked = 0;
    CHECK(run_on_four_threads(count_interlocked));
    CHECK(g_interlocked == 40000);
}
