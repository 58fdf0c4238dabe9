/*
 * Threads, events, semaphores and mutexes, and the waits on them (Microsoft
 * Learn: "CreateThread", "ExitThread", "GetExitCodeThread", "CloseHandle",
 * "WaitForSingleObject", "WaitForMultipleObjects", "CreateEventA",
 * "SetEvent", "ResetEvent", "CreateSemaphoreA", "ReleaseSemaphore",
 * "CreateMutexA", "ReleaseMutex").
 *
 * One lock and one condition variable serve every object: a wait for all of
 * several objects must see and take them at one instant, and a single lock
 * makes that trivial. The price is that ThreadSanitizer sees an ordering
 * between any two threads that touch any of these objects, which can hide a
 * race between them (docs/win32-compat.md); critical sections are separate
 * pthread mutexes and hide nothing.
 *
 * A HANDLE is a slot number times 4 (Windows handles are multiples of 4),
 * never a pointer, so a closed or made-up handle is refused, not followed.
 */
#define _GNU_SOURCE
#include "handles.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum kind { KIND_THREAD = 1, KIND_EVENT, KIND_SEMAPHORE, KIND_MUTEX };

struct object {
    enum kind kind;
    int handle_open; /* freed once the handle is closed and the thread ended */
    /* thread */
    pthread_t thread;
    int running, join_claimed;
    DWORD tid, exit_code;
    LPTHREAD_START_ROUTINE start;
    LPVOID parameter;
    /* event: signaled, manual; semaphore: count, maximum */
    int signaled, manual;
    LONG count, maximum;
    /* mutex: owner's thread id (0: free), recursion, owner ended holding it */
    DWORD owner, recursion;
    int abandoned;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_changed;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static pthread_key_t g_owner_key; /* set on a thread once it owns a mutex */
static struct object** g_slots;
static size_t g_slot_count;
static __thread struct object* t_self; /* this thread's object, if CreateThread started it */
static __thread DWORD t_id;           /* and its ID, which outlives the object */

static void abandon_mutexes(void* unused);

static void init_once(void) {
    pthread_condattr_t attributes;
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&g_changed, &attributes);
    pthread_condattr_destroy(&attributes);
    pthread_key_create(&g_owner_key, abandon_mutexes);
}

static void lock(void) {
    pthread_once(&g_once, init_once);
    pthread_mutex_lock(&g_lock);
}
static void unlock(void) { pthread_mutex_unlock(&g_lock); }

/* A thread CreateThread started has the ID it was given at creation (above
   any Linux thread ID, which stays below 2^22): CreateThread must return it
   at once, even inside DllMain, where the new thread cannot run before the
   load ends (the host keeps it back, as Windows's loader lock does). Every
   other thread's ID is its Linux thread ID. */
enum { kFirstCreatedThreadId = 0x40000000 };
static DWORD g_next_thread_id = kFirstCreatedThreadId;

DWORD WINAPI GetCurrentThreadId(void) { return t_id ? t_id : (DWORD)gettid(); }
DWORD WINAPI GetCurrentProcessId(void) { return (DWORD)getpid(); }

/* Under the lock: a new handle for O, or NULL when out of memory. */
static HANDLE add_handle(struct object* o) {
    size_t slot = 0;
    while (slot < g_slot_count && g_slots[slot]) ++slot;
    if (slot == g_slot_count) {
        size_t count = g_slot_count ? g_slot_count * 2 : 64;
        struct object** grown = realloc(g_slots, count * sizeof *grown);
        if (!grown) return NULL;
        for (size_t i = g_slot_count; i < count; ++i) grown[i] = NULL;
        g_slots = grown, g_slot_count = count;
    }
    g_slots[slot] = o;
    o->handle_open = 1;
    return (HANDLE)(uintptr_t)((slot + 1) * 4);
}

/* Under the lock: the object behind H, or NULL. */
static struct object* find(HANDLE h, size_t* slot_out) {
    uintptr_t value = (uintptr_t)h;
    if (value == 0 || value % 4 != 0 || value / 4 > g_slot_count) return NULL;
    size_t slot = value / 4 - 1;
    if (slot_out) *slot_out = slot;
    return g_slots[slot];
}

static HANDLE new_object(struct object* o) {
    lock();
    HANDLE h = add_handle(o);
    unlock();
    if (!h) {
        free(o);
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    SetLastError(ERROR_SUCCESS);
    return h;
}

static struct object* allocate(enum kind kind) {
    struct object* o = calloc(1, sizeof *o);
    if (o) o->kind = kind;
    else SetLastError(ERROR_NOT_ENOUGH_MEMORY);
    return o;
}

/* ---- Threads ----------------------------------------------------------------- */

/* Under the lock: the thread's end, seen by waits and GetExitCodeThread. */
static void thread_ended(struct object* o, DWORD code) {
    o->exit_code = code;
    o->running = 0;
    pthread_cond_broadcast(&g_changed);
    if (!o->handle_open) free(o); /* CloseHandle came first and detached it */
}

static void* thread_main(void* argument) {
    struct object* o = argument;
    t_self = o, t_id = o->tid;
    DWORD code = o->start(o->parameter);
    lock();
    thread_ended(o, code);
    unlock();
    t_self = NULL;
    return NULL;
}

HANDLE WINAPI CreateThread(LPSECURITY_ATTRIBUTES lpThreadAttributes, SIZE_T dwStackSize,
                           LPTHREAD_START_ROUTINE lpStartAddress, LPVOID lpParameter, DWORD dwCreationFlags,
                           LPDWORD lpThreadId) {
    (void)lpThreadAttributes;
    if (!lpStartAddress) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    if (dwCreationFlags & CREATE_SUSPENDED) { /* no ResumeThread here */
        SetLastError(ERROR_NOT_SUPPORTED);
        return NULL;
    }
    struct object* o = allocate(KIND_THREAD);
    if (!o) return NULL;
    o->start = lpStartAddress, o->parameter = lpParameter, o->running = 1;
    o->tid = __atomic_fetch_add(&g_next_thread_id, 1, __ATOMIC_SEQ_CST);
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    if (dwStackSize) pthread_attr_setstacksize(&attributes, dwStackSize < (SIZE_T)PTHREAD_STACK_MIN ? (SIZE_T)PTHREAD_STACK_MIN : dwStackSize);
    lock();
    HANDLE h = add_handle(o);
    /* Called from this module's code: the host's pthread_create interposer
       charges the thread to the module (docs/race-hunting.md). */
    int rc = h ? pthread_create(&o->thread, &attributes, thread_main, o) : ENOMEM;
    pthread_attr_destroy(&attributes);
    if (rc != 0) {
        if (h) g_slots[(uintptr_t)h / 4 - 1] = NULL;
        unlock();
        free(o);
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    unlock();
    if (lpThreadId) *lpThreadId = o->tid;
    SetLastError(ERROR_SUCCESS);
    return h;
}

VOID WINAPI ExitThread(DWORD dwExitCode) {
    struct object* o = t_self;
    if (o) {
        lock();
        thread_ended(o, dwExitCode);
        unlock();
    }
    pthread_exit(NULL);
}

BOOL WINAPI GetExitCodeThread(HANDLE hThread, LPDWORD lpExitCode) {
    lock();
    struct object* o = find(hThread, NULL);
    int ok = o && o->kind == KIND_THREAD && lpExitCode;
    if (ok) *lpExitCode = o->running ? (DWORD)STILL_ACTIVE : o->exit_code;
    unlock();
    if (!ok) SetLastError(ERROR_INVALID_HANDLE);
    return ok;
}

/* After a wait saw these threads end: join them, so that they have left
   this module's code before the caller goes on (and perhaps unloads it). */
static void join_ended(struct object** objects, DWORD count) {
    for (DWORD i = 0; i < count; ++i) {
        lock();
        int claim = objects[i]->kind == KIND_THREAD && !objects[i]->running && !objects[i]->join_claimed;
        pthread_t thread = objects[i]->thread;
        if (claim) objects[i]->join_claimed = 1;
        unlock();
        if (claim) pthread_join(thread, NULL);
    }
}

/* ---- Events, semaphores, mutexes ----------------------------------------------- */

HANDLE WINAPI CreateEventA(LPSECURITY_ATTRIBUTES lpEventAttributes, BOOL bManualReset, BOOL bInitialState,
                           LPCSTR lpName) {
    (void)lpEventAttributes, (void)lpName;
    struct object* o = allocate(KIND_EVENT);
    if (!o) return NULL;
    o->manual = bManualReset != FALSE, o->signaled = bInitialState != FALSE;
    return new_object(o);
}

static BOOL set_event(HANDLE hEvent, int signaled) {
    lock();
    struct object* o = find(hEvent, NULL);
    int ok = o && o->kind == KIND_EVENT;
    if (ok) {
        o->signaled = signaled;
        if (signaled) pthread_cond_broadcast(&g_changed);
    }
    unlock();
    if (!ok) SetLastError(ERROR_INVALID_HANDLE);
    return ok;
}
BOOL WINAPI SetEvent(HANDLE hEvent) { return set_event(hEvent, 1); }
BOOL WINAPI ResetEvent(HANDLE hEvent) { return set_event(hEvent, 0); }

HANDLE WINAPI CreateSemaphoreA(LPSECURITY_ATTRIBUTES lpSemaphoreAttributes, LONG lInitialCount, LONG lMaximumCount,
                               LPCSTR lpName) {
    (void)lpSemaphoreAttributes, (void)lpName;
    if (lMaximumCount <= 0 || lInitialCount < 0 || lInitialCount > lMaximumCount) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    struct object* o = allocate(KIND_SEMAPHORE);
    if (!o) return NULL;
    o->count = lInitialCount, o->maximum = lMaximumCount;
    return new_object(o);
}

BOOL WINAPI ReleaseSemaphore(HANDLE hSemaphore, LONG lReleaseCount, LPLONG lpPreviousCount) {
    lock();
    struct object* o = find(hSemaphore, NULL);
    DWORD error = !o || o->kind != KIND_SEMAPHORE ? ERROR_INVALID_HANDLE
                  : lReleaseCount <= 0            ? ERROR_INVALID_PARAMETER
                  : lReleaseCount > o->maximum - o->count ? ERROR_TOO_MANY_POSTS
                                                          : ERROR_SUCCESS;
    if (error == ERROR_SUCCESS) {
        if (lpPreviousCount) *lpPreviousCount = o->count;
        o->count += lReleaseCount;
        pthread_cond_broadcast(&g_changed);
    }
    unlock();
    if (error != ERROR_SUCCESS) SetLastError(error);
    return error == ERROR_SUCCESS;
}

/* Under the lock: O is now this thread's; the key marks the thread so that
   its end abandons what it still owns. */
static void take_mutex(struct object* o) {
    o->owner = GetCurrentThreadId();
    ++o->recursion;
    pthread_setspecific(g_owner_key, (void*)1);
}

HANDLE WINAPI CreateMutexA(LPSECURITY_ATTRIBUTES lpMutexAttributes, BOOL bInitialOwner, LPCSTR lpName) {
    (void)lpMutexAttributes, (void)lpName;
    struct object* o = allocate(KIND_MUTEX);
    if (!o) return NULL;
    if (bInitialOwner) {
        lock(); /* the key exists after the first lock() */
        take_mutex(o);
        unlock();
    }
    return new_object(o);
}

BOOL WINAPI ReleaseMutex(HANDLE hMutex) {
    lock();
    struct object* o = find(hMutex, NULL);
    DWORD error = !o || o->kind != KIND_MUTEX                ? ERROR_INVALID_HANDLE
                  : o->owner != GetCurrentThreadId() ? ERROR_NOT_OWNER
                                                     : ERROR_SUCCESS;
    if (error == ERROR_SUCCESS && --o->recursion == 0) {
        o->owner = 0;
        pthread_cond_broadcast(&g_changed);
    }
    unlock();
    if (error != ERROR_SUCCESS) SetLastError(error);
    return error == ERROR_SUCCESS;
}

/* A thread that ends owning mutexes abandons them: the next wait gets them
   with WAIT_ABANDONED. Runs as the owner key's destructor, in the ending
   thread; threads that never owned a mutex never get here. */
static void abandon_mutexes(void* unused) {
    (void)unused;
    DWORD me = GetCurrentThreadId();
    lock();
    for (size_t i = 0; i < g_slot_count; ++i) {
        struct object* o = g_slots[i];
        if (o && o->kind == KIND_MUTEX && o->owner == me) {
            o->owner = 0, o->recursion = 0, o->abandoned = 1;
            pthread_cond_broadcast(&g_changed);
        }
    }
    unlock();
}

/* ---- Waits ------------------------------------------------------------------------ */

static int is_signaled(const struct object* o, DWORD me) {
    switch (o->kind) {
    case KIND_THREAD: return !o->running;
    case KIND_EVENT: return o->signaled;
    case KIND_SEMAPHORE: return o->count > 0;
    case KIND_MUTEX: return o->owner == 0 || o->owner == me;
    }
    return 0;
}

/* Under the lock: a satisfied wait's side effect. Returns 1 when it took an
   abandoned mutex. */
static int satisfy(struct object* o) {
    if (o->kind == KIND_EVENT && !o->manual) o->signaled = 0;
    if (o->kind == KIND_SEMAPHORE) --o->count;
    if (o->kind != KIND_MUTEX) return 0;
    take_mutex(o);
    int abandoned = o->abandoned;
    o->abandoned = 0;
    return abandoned;
}

static struct timespec deadline_after(DWORD ms) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) t.tv_sec += 1, t.tv_nsec -= 1000000000L;
    return t;
}

DWORD WINAPI WaitForMultipleObjects(DWORD nCount, const HANDLE* lpHandles, BOOL bWaitAll, DWORD dwMilliseconds) {
    if (nCount == 0 || nCount > MAXIMUM_WAIT_OBJECTS || !lpHandles) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return WAIT_FAILED;
    }
    struct object* objects[MAXIMUM_WAIT_OBJECTS];
    DWORD me = GetCurrentThreadId(), result = WAIT_FAILED, error = ERROR_SUCCESS;
    struct timespec deadline = deadline_after(dwMilliseconds == INFINITE ? 0 : dwMilliseconds);
    lock();
    for (DWORD i = 0; i < nCount && error == ERROR_SUCCESS; ++i) {
        objects[i] = find(lpHandles[i], NULL);
        if (!objects[i]) error = ERROR_INVALID_HANDLE;
        for (DWORD j = 0; j < i && error == ERROR_SUCCESS; ++j)
            if (lpHandles[j] == lpHandles[i]) error = ERROR_INVALID_PARAMETER; /* "may not contain multiple copies" */
    }
    while (error == ERROR_SUCCESS && result == WAIT_FAILED) {
        DWORD ready = 0, first = nCount;
        for (DWORD i = 0; i < nCount; ++i)
            if (is_signaled(objects[i], me)) ready += 1, first = first < i ? first : i;
        if (bWaitAll && ready == nCount) {
            int abandoned = 0;
            for (DWORD i = 0; i < nCount; ++i) abandoned |= satisfy(objects[i]);
            result = abandoned ? WAIT_ABANDONED_0 : WAIT_OBJECT_0;
        } else if (!bWaitAll && first < nCount) {
            result = (satisfy(objects[first]) ? WAIT_ABANDONED_0 : WAIT_OBJECT_0) + first;
        } else if (dwMilliseconds == 0) {
            result = WAIT_TIMEOUT;
        } else if (dwMilliseconds == INFINITE) {
            pthread_cond_wait(&g_changed, &g_lock);
        } else if (pthread_cond_timedwait(&g_changed, &g_lock, &deadline) == ETIMEDOUT) {
            dwMilliseconds = 0; /* one last look, then WAIT_TIMEOUT */
        }
    }
    unlock();
    if (error != ERROR_SUCCESS) {
        SetLastError(error);
        return WAIT_FAILED;
    }
    if (result != WAIT_TIMEOUT) join_ended(objects, nCount);
    return result;
}

DWORD WINAPI WaitForSingleObject(HANDLE hHandle, DWORD dwMilliseconds) {
    return WaitForMultipleObjects(1, &hHandle, TRUE, dwMilliseconds);
}

/* No asynchronous procedure calls here: an alertable wait is a plain one. */
DWORD WINAPI WaitForSingleObjectEx(HANDLE hHandle, DWORD dwMilliseconds, BOOL bAlertable) {
    (void)bAlertable;
    return WaitForSingleObject(hHandle, dwMilliseconds);
}

BOOL WINAPI CloseHandle(HANDLE hObject) {
    size_t slot = 0;
    lock();
    struct object* o = find(hObject, &slot);
    if (!o) {
        unlock();
        SetLastError(ERROR_INVALID_HANDLE);
        return FALSE;
    }
    g_slots[slot] = NULL;
    o->handle_open = 0;
    int join = 0;
    if (o->kind == KIND_THREAD && !o->join_claimed) {
        o->join_claimed = 1;
        join = !o->running;
        if (o->running) pthread_detach(o->thread); /* it frees itself when it ends */
    }
    int keep = o->kind == KIND_THREAD && o->running;
    pthread_t thread = o->thread;
    unlock();
    if (join) pthread_join(thread, NULL);
    if (!keep) free(o);
    return TRUE;
}

void isapi_win32_handles_unload(void) {
    /* The key's destructor is this module's code: no thread may run it
       after the unload. Handles still open are the extension's leak. */
    lock();
    pthread_key_delete(g_owner_key);
    unlock();
}
