/*
 * thread_leak - BUG: a thread the extension started outlives TerminateExtension.
 *
 *   GET /thread_leak.dll -> "thread_leak sample\n" (200).
 *
 * The bug: GetExtensionVersion starts a worker thread that waits for work,
 * and TerminateExtension forgets it: it neither tells the thread to stop nor
 * joins it. After TerminateExtension returns the thread is still alive,
 * blocked in pthread_cond_wait on a condition variable inside this module's
 * data, which the unload then unmaps; every load (uncached mode, recycles)
 * adds one more such thread. (It never wakes, so it never runs this
 * module's code again: that is late_thread's bug, not this one's.
 * GetExtensionVersion waits until the thread is waiting, as extensions
 * that start a worker usually do; otherwise a thread that the OS is slow
 * to start - under Wine, often - would only begin after the unload, at a
 * start routine that is gone: unloaded_code_executed.)
 *
 * A correct extension stops and joins every thread it started before
 * TerminateExtension returns, as samples/async.c does.
 *
 * Finding kind: threads_outlive_terminate.
 */
#include <httpext.h>

#include "common/forgotten_worker.h"
#include "common/sample_util.h"

static const char kBody[] = "thread_leak sample\n";

static forgotten_worker g_worker;

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    if (!forgotten_worker_start(&g_worker)) {
        return FALSE;
    }
    forgotten_worker_wait_started(&g_worker);
    return sample_version_info(pVer, "thread_leak buggy sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    return sample_send_text(pECB, "200 OK", kBody);
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    /* BUG: the worker thread is neither stopped nor joined. */
    return TRUE;
}
