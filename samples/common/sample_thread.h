/*
 * sample_thread.h - the few threading calls the samples need (and a sleep),
 * on the platform's native API: POSIX threads here, Win32 threads on Windows (as
 * IIS extensions use them).
 *
 * Why not C11 <threads.h>: glibc implements thrd_create and mtx_lock by
 * calling its internal pthread functions directly, past ThreadSanitizer's
 * interceptors, so under the tsan preset a thread created by thrd_create
 * crashes on its first instrumented access and every mtx_lock looks like no
 * lock at all. Native calls keep the samples checkable by TSan.
 */
#ifndef ISAPI_SAMPLE_THREAD_H
#define ISAPI_SAMPLE_THREAD_H

#if defined(_WIN32)
#include <windows.h>
typedef CRITICAL_SECTION sample_mutex;
typedef CONDITION_VARIABLE sample_cond;
typedef HANDLE sample_thread;
static inline int sample_mutex_init(sample_mutex* m) { InitializeCriticalSection(m); return 1; }
static inline void sample_mutex_destroy(sample_mutex* m) { DeleteCriticalSection(m); }
static inline void sample_mutex_lock(sample_mutex* m) { EnterCriticalSection(m); }
static inline void sample_mutex_unlock(sample_mutex* m) { LeaveCriticalSection(m); }
static inline int sample_cond_init(sample_cond* c) { InitializeConditionVariable(c); return 1; }
static inline void sample_cond_destroy(sample_cond* c) { (void)c; }
static inline void sample_cond_wait(sample_cond* c, sample_mutex* m) { SleepConditionVariableCS(c, m, INFINITE); }
static inline void sample_cond_signal(sample_cond* c) { WakeConditionVariable(c); }
static inline void sample_cond_broadcast(sample_cond* c) { WakeAllConditionVariable(c); }
typedef struct { void (*fn)(void*); void* arg; } sample_thread_start;
static DWORD WINAPI sample_thread_trampoline(LPVOID p)
{
    sample_thread_start start = *(sample_thread_start*)p;
    HeapFree(GetProcessHeap(), 0, p);
    start.fn(start.arg);
    return 0;
}
static inline int sample_thread_create(sample_thread* t, void (*fn)(void*), void* arg)
{
    sample_thread_start* start = (sample_thread_start*)HeapAlloc(GetProcessHeap(), 0, sizeof *start);
    if (start == NULL) return 0;
    start->fn = fn;
    start->arg = arg;
    *t = CreateThread(NULL, 0, sample_thread_trampoline, start, 0, NULL);
    if (*t == NULL) { HeapFree(GetProcessHeap(), 0, start); return 0; }
    return 1;
}
static inline void sample_thread_join(sample_thread t) { WaitForSingleObject(t, INFINITE); CloseHandle(t); }
static inline void sample_sleep_ms(long ms) { Sleep((DWORD)ms); }
#else
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
typedef pthread_mutex_t sample_mutex;
typedef pthread_cond_t sample_cond;
typedef pthread_t sample_thread;
static inline int sample_mutex_init(sample_mutex* m) { return pthread_mutex_init(m, NULL) == 0; }
static inline void sample_mutex_destroy(sample_mutex* m) { pthread_mutex_destroy(m); }
static inline void sample_mutex_lock(sample_mutex* m) { pthread_mutex_lock(m); }
static inline void sample_mutex_unlock(sample_mutex* m) { pthread_mutex_unlock(m); }
static inline int sample_cond_init(sample_cond* c) { return pthread_cond_init(c, NULL) == 0; }
static inline void sample_cond_destroy(sample_cond* c) { pthread_cond_destroy(c); }
static inline void sample_cond_wait(sample_cond* c, sample_mutex* m) { pthread_cond_wait(c, m); }
static inline void sample_cond_signal(sample_cond* c) { pthread_cond_signal(c); }
static inline void sample_cond_broadcast(sample_cond* c) { pthread_cond_broadcast(c); }
typedef struct { void (*fn)(void*); void* arg; } sample_thread_start;
static void* sample_thread_trampoline(void* p)
{
    sample_thread_start start = *(sample_thread_start*)p;
    free(p);
    start.fn(start.arg);
    return NULL;
}
static inline int sample_thread_create(sample_thread* t, void (*fn)(void*), void* arg)
{
    sample_thread_start* start = (sample_thread_start*)malloc(sizeof *start);
    if (start == NULL) return 0;
    start->fn = fn;
    start->arg = arg;
    if (pthread_create(t, NULL, sample_thread_trampoline, start) != 0) { free(start); return 0; }
    return 1;
}
static inline void sample_thread_join(sample_thread t) { pthread_join(t, NULL); }
/* Sleeps the whole duration even if a signal interrupts the sleep. */
static inline void sample_sleep_ms(long ms)
{
    struct timespec remaining = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&remaining, &remaining) == -1 && errno == EINTR) {
    }
}
#endif

#endif /* ISAPI_SAMPLE_THREAD_H */
