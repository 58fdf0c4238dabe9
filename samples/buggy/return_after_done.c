/*
 * return_after_done - BUG: its completion thread still runs module code after
 * HSE_REQ_DONE_WITH_SESSION, and TerminateExtension does not wait for it.
 *
 *   GET /return_after_done.dll -> "return_after_done sample\n" (200), sent
 *                                 from a thread of the extension's own.
 *
 * HttpExtensionProc returns HSE_STATUS_PENDING and hands the request to a
 * completion thread it starts (and never joins). The thread sends the answer,
 * counts the request as finished and calls HSE_REQ_DONE_WITH_SESSION, then
 * writes its timing record (a few hundred microseconds) and returns, all in
 * this module.
 * TerminateExtension waits until no request is in flight, which it takes to
 * mean that no code of the module runs any more.
 *
 * The bug: DONE_WITH_SESSION ends the request, so the host may unload the
 * module as soon as it returns (in uncached mode, when it was the last
 * request). A completion thread still in the module then returns into
 * unmapped code. While other requests keep the module loaded nothing shows:
 * only an unload inside those microseconds crashes, which is why a busy
 * churn that seldom lets the module go idle hardly ever finds it.
 *
 * A correct extension makes DONE_WITH_SESSION the last thing any of its
 * threads does for a request and joins (or waits for the return of) every
 * thread it started before TerminateExtension returns, like ../async.c.
 *
 * Finding kind: unloaded_code_executed (worker processes: the crash handler).
 */
#include <httpext.h>

#include "common/sample_thread.h"
#include "common/sample_util.h"

#include <stdlib.h>

static const char kBody[] = "return_after_done sample\n";

static sample_mutex g_lock;
static sample_cond g_idle;
static int g_in_flight;
static unsigned g_last_checksum;

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    g_in_flight = 0;
    if (!sample_mutex_init(&g_lock)) {
        return FALSE;
    }
    if (!sample_cond_init(&g_idle)) {
        sample_mutex_destroy(&g_lock);
        return FALSE;
    }
    return sample_version_info(pVer, "return_after_done buggy sample");
}

/* The bookkeeping a real extension does once a request is over: a checksum
 * of the response for its access log, a few hundred microseconds of this
 * module's code. */
static unsigned write_timing_record(void)
{
    volatile unsigned sum = 0;
    for (unsigned round = 0; round < 16000; ++round) {
        for (size_t i = 0; i < sizeof kBody - 1; ++i) {
            sum = sum * 31u + (unsigned char)kBody[i];
        }
    }
    return sum;
}

static void complete(void* arg)
{
    EXTENSION_CONTROL_BLOCK* ecb = (EXTENSION_CONTROL_BLOCK*)arg;
    sample_send_response(ecb, "200 OK", "text/plain", NULL, kBody, sizeof kBody - 1);

    sample_mutex_lock(&g_lock);
    if (--g_in_flight == 0) {
        sample_cond_broadcast(&g_idle);
    }
    sample_mutex_unlock(&g_lock);

    DWORD status = HSE_STATUS_SUCCESS;
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_DONE_WITH_SESSION, &status, NULL, NULL);
    /* BUG: the request is over and nothing holds the module loaded any more. */
    g_last_checksum = write_timing_record();
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    sample_mutex_lock(&g_lock);
    ++g_in_flight;
    sample_mutex_unlock(&g_lock);
    sample_thread thread;
    if (!sample_thread_create(&thread, complete, pECB)) {
        sample_mutex_lock(&g_lock);
        --g_in_flight;
        sample_mutex_unlock(&g_lock);
        return sample_send_text(pECB, "500 Internal Server Error", "no thread\n");
    }
    /* Never joined: the thread is on its own once it has ended the request. */
#if defined(_WIN32)
    CloseHandle(thread);
#else
    pthread_detach(thread);
#endif
    return HSE_STATUS_PENDING;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    /* BUG: waits for the requests, not for the threads that completed them. */
    sample_mutex_lock(&g_lock);
    while (g_in_flight > 0) {
        sample_cond_wait(&g_idle, &g_lock);
    }
    sample_mutex_unlock(&g_lock);
    return TRUE;
}
