/*
 * Sleep and clocks (Microsoft Learn: "Sleep", "SleepEx", "GetTickCount",
 * "GetTickCount64", "QueryPerformanceCounter", "QueryPerformanceFrequency").
 */
#define _GNU_SOURCE
#include <windows.h>

#include <errno.h>
#include <sched.h>
#include <time.h>

VOID WINAPI Sleep(DWORD dwMilliseconds) {
    if (dwMilliseconds == INFINITE) {
        for (;;) (void)nanosleep(&(struct timespec){3600, 0}, NULL); /* as on Windows: never returns */
    }
    if (dwMilliseconds == 0) { /* gives up the rest of the time slice */
        (void)sched_yield();
        return;
    }
    struct timespec left = {dwMilliseconds / 1000, (long)(dwMilliseconds % 1000) * 1000000L};
    while (nanosleep(&left, &left) == -1 && errno == EINTR) {
    }
}

/* No asynchronous procedure calls or I/O completion routines exist here,
   so an alertable sleep is never cut short: it returns 0. */
DWORD WINAPI SleepEx(DWORD dwMilliseconds, BOOL bAlertable) {
    (void)bAlertable;
    Sleep(dwMilliseconds);
    return 0;
}

/* Milliseconds since the system started: CLOCK_BOOTTIME counts a suspend
   too, as Windows's tick count does. */
ULONGLONG WINAPI GetTickCount64(void) {
    struct timespec t;
    clock_gettime(CLOCK_BOOTTIME, &t);
    return (ULONGLONG)t.tv_sec * 1000u + (ULONGLONG)t.tv_nsec / 1000000u;
}

/* Wraps to zero every 49.7 days, as documented. */
DWORD WINAPI GetTickCount(void) { return (DWORD)GetTickCount64(); }

/* Nanoseconds of CLOCK_MONOTONIC: a frequency of 1 GHz. */
BOOL WINAPI QueryPerformanceCounter(LARGE_INTEGER* lpPerformanceCount) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    lpPerformanceCount->QuadPart = (LONGLONG)t.tv_sec * 1000000000LL + t.tv_nsec;
    return TRUE;
}

BOOL WINAPI QueryPerformanceFrequency(LARGE_INTEGER* lpFrequency) {
    lpFrequency->QuadPart = 1000000000LL;
    return TRUE;
}
