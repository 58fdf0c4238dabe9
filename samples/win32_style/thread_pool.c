/*
 * thread_pool - an extension written for Windows, as it would be for IIS:
 * DllMain starts a pool of worker threads, HttpExtensionProc queues each
 * request and returns HSE_STATUS_PENDING, and a worker answers it, keeps the
 * connection open (HSE_REQ_SEND_RESPONSE_HEADER_EX with fKeepConn) and ends
 * the request with HSE_REQ_DONE_WITH_SESSION. TerminateExtension stops the
 * pool and waits for every thread, and DllMain(DLL_PROCESS_DETACH) frees
 * the rest: on Windows a wait for threads inside DllMain deadlocks on the
 * loader lock, since an ending thread needs it too.
 *
 * Linux builds it with isapi_add_extension(... WIN32_COMPAT); Windows and
 * the MinGW cross build with their own <windows.h>. Built with
 * THREAD_POOL_FORGETS_ITS_THREADS, TerminateExtension leaves the threads
 * running: the deliberate bug `isapi-loadgen race` finds
 * (threads_outlive_terminate).
 *
 *   GET /thread_pool.dll -> "thread_pool: request N answered by a pool thread\r\n"
 */
#include <windows.h>
#include <httpext.h>

#include "send_answer.h"

#define POOL_SIZE 4
#define QUEUE_MAX 1024

static CRITICAL_SECTION g_lock; /* guards the queue */
static EXTENSION_CONTROL_BLOCK* g_queue[QUEUE_MAX];
static DWORD g_head, g_count;
static HANDLE g_work;           /* semaphore: one count per queued request */
static HANDLE g_stop;           /* manual-reset event: the pool is stopping */
static HANDLE g_threads[POOL_SIZE];
static LONG volatile g_served;

static void answer(EXTENSION_CONTROL_BLOCK* ecb)
{
    char body[128];
    int length = wsprintfA(body, "thread_pool: request %ld answered by a pool thread\r\n",
                           InterlockedIncrement(&g_served));
    DWORD status = send_answer(ecb, body, length);
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_DONE_WITH_SESSION, &status, NULL, NULL);
}

static DWORD WINAPI worker(LPVOID parameter)
{
    HANDLE wake[2] = {g_stop, g_work};
    UNREFERENCED_PARAMETER(parameter);
    for (;;) {
        /* The stop event comes first: when both are signaled, it wins. */
        if (WaitForMultipleObjects(2, wake, FALSE, INFINITE) != WAIT_OBJECT_0 + 1) {
            return 0;
        }
        EnterCriticalSection(&g_lock);
        EXTENSION_CONTROL_BLOCK* ecb = g_queue[g_head];
        g_head = (g_head + 1) % QUEUE_MAX;
        --g_count;
        LeaveCriticalSection(&g_lock);
        answer(ecb);
    }
}

static void stop_pool(void)
{
#ifndef THREAD_POOL_FORGETS_ITS_THREADS
    SetEvent(g_stop);
    DWORD started = 0;
    while (started < POOL_SIZE && g_threads[started] != NULL) {
        ++started;
    }
    if (started > 0) {
        WaitForMultipleObjects(started, g_threads, TRUE, INFINITE);
    }
    for (DWORD i = 0; i < started; ++i) {
        CloseHandle(g_threads[i]);
        g_threads[i] = NULL;
    }
#endif
    /* With the bug, the threads are never told to stop: they wait on in the
       module's code after it is gone. */
}

BOOL WINAPI DllMain(HINSTANCE hinstDLL, DWORD fdwReason, LPVOID lpvReserved)
{
    if (fdwReason == DLL_PROCESS_ATTACH) {
        DisableThreadLibraryCalls(hinstDLL);
        InitializeCriticalSection(&g_lock);
        g_work = CreateSemaphoreA(NULL, 0, QUEUE_MAX, NULL);
        g_stop = CreateEventA(NULL, TRUE, FALSE, NULL);
        if (g_work == NULL || g_stop == NULL) {
            return FALSE;
        }
        /* The threads begin to run once DllMain has returned (on Windows the
           loader lock holds them back); nothing here waits for them. */
        for (int i = 0; i < POOL_SIZE; ++i) {
            g_threads[i] = CreateThread(NULL, 0, worker, NULL, 0, NULL);
            if (g_threads[i] == NULL) {
                return FALSE;
            }
        }
    } else if (fdwReason == DLL_PROCESS_DETACH && lpvReserved == NULL) {
        /* FreeLibrary (not process exit): the pool stopped in
           TerminateExtension, unless it never started. */
#ifndef THREAD_POOL_FORGETS_ITS_THREADS
        CloseHandle(g_stop);
        CloseHandle(g_work);
        DeleteCriticalSection(&g_lock);
#endif
    }
    return TRUE;
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    pVer->dwExtensionVersion = MAKELONG(HSE_VERSION_MINOR, HSE_VERSION_MAJOR);
    lstrcpynA(pVer->lpszExtensionDesc, "thread_pool (Windows style)", HSE_MAX_EXT_DLL_NAME_LEN);
    return TRUE;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    EnterCriticalSection(&g_lock);
    BOOL queued = g_count < QUEUE_MAX;
    if (queued) {
        g_queue[(g_head + g_count) % QUEUE_MAX] = pECB;
        ++g_count;
    }
    LeaveCriticalSection(&g_lock);
    if (!queued) {
        OutputDebugStringA("thread_pool: queue full, request refused");
        return HSE_STATUS_ERROR;
    }
    ReleaseSemaphore(g_work, 1, NULL);
    return HSE_STATUS_PENDING;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    UNREFERENCED_PARAMETER(dwFlags);
    stop_pool();
    return TRUE;
}
