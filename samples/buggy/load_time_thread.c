/*
 * load_time_thread - BUG: a thread started while the module loads outlives
 * TerminateExtension.
 *
 *   GET /load_time_thread.dll -> "load_time_thread sample\n" (200).
 *
 * The bug: the module starts its worker thread from a load-time constructor,
 * which runs inside dlopen (inside LoadLibrary, from DllMain's
 * DLL_PROCESS_ATTACH, on Windows), before GetExtensionVersion and before the
 * host knows where the module lies in memory. TerminateExtension forgets the
 * thread: after it returns the thread is still blocked on a condition
 * variable inside this module's data, which the unload then unmaps. Thread
 * pools started this way are common in code written for IIS, where DllMain
 * is the first code of a DLL that runs.
 *
 * A correct extension starts its threads in GetExtensionVersion (never in
 * DllMain, where Windows holds the loader lock), and stops and joins them
 * before TerminateExtension returns.
 *
 * Finding kind: threads_outlive_terminate (the host attributes threads
 * created during the load to the module being loaded).
 */
#include <httpext.h>

#include "common/sample_thread.h"
#include "common/sample_util.h"

static const char kBody[] = "load_time_thread sample\n";

static sample_mutex g_mutex;
static sample_cond g_work;
static int g_have_work; /* guarded by g_mutex; nothing ever sets it */
static int g_waiting;   /* guarded by g_mutex: the worker has started */
static int g_started;   /* the constructor started the worker */

static void worker(void* arg)
{
    (void)arg;
    sample_mutex_lock(&g_mutex);
    g_waiting = 1;
    sample_cond_broadcast(&g_work); /* GetExtensionVersion waits for this */
    while (!g_have_work) {
        sample_cond_wait(&g_work, &g_mutex);
    }
    sample_mutex_unlock(&g_mutex);
}

/* Runs at load (GCC and Clang on ELF; MinGW runs it from the CRT's DllMain). */
__attribute__((constructor)) static void start_pool_at_load(void)
{
    if (!sample_mutex_init(&g_mutex)) {
        return;
    }
    if (!sample_cond_init(&g_work)) {
        sample_mutex_destroy(&g_mutex);
        return;
    }
    g_have_work = 0;
    g_waiting = 0;
    sample_thread thread;
    g_started = sample_thread_create(&thread, worker, NULL);
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    if (!g_started) {
        return FALSE;
    }
    /* Waits until the worker waits for work: a thread the OS is slow to
     * start would otherwise begin after the unload, at a start routine that
     * is gone. (Not in the constructor: on Windows a new thread cannot start
     * while DllMain holds the loader lock.) */
    sample_mutex_lock(&g_mutex);
    while (!g_waiting) {
        sample_cond_wait(&g_work, &g_mutex);
    }
    sample_mutex_unlock(&g_mutex);
    return sample_version_info(pVer, "load_time_thread buggy sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    return sample_send_text(pECB, "200 OK", kBody);
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    /* BUG: the thread started at load is neither stopped nor joined. */
    return TRUE;
}
