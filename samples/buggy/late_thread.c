/*
 * late_thread - BUG: its thread runs extension code after the unload.
 *
 *   GET /late_thread.dll -> "late_thread sample\n" (200).
 *
 * The bug: GetExtensionVersion starts a statistics thread that ticks every
 * 20 ms. TerminateExtension asks it to stop but does not wait for it: it
 * returns at once, and the host unloads the module. The thread, which was
 * sleeping, notices the request, sleeps 200 ms more for a "final flush", and
 * then calls flush_statistics() - a function in this module, which is no
 * longer mapped. That is a fault in unloaded code (SIGSEGV), about 200 ms
 * after the unload. This is what Microsoft's samples that "sleep in the hope
 * that their threads are gone" get wrong the other way round.
 *
 * A correct extension joins its threads in TerminateExtension (after telling
 * them to stop), so no code of the module can run once it returns.
 *
 * Finding kind: unloaded_code_executed.
 */
#include <httpext.h>

#include "common/sample_thread.h"
#include "common/sample_util.h"

#include <stdatomic.h>

static const char kBody[] = "late_thread sample\n";

static atomic_int g_stop;
static atomic_ulong g_ticks;

static void flush_statistics(void)
{
    atomic_store(&g_ticks, 0);
}

static void statistics_thread(void* arg)
{
    (void)arg;
    while (!atomic_load(&g_stop)) {
        sample_sleep_ms(20);
        atomic_fetch_add(&g_ticks, 1);
    }
    sample_sleep_ms(200);      /* a "final flush" after TerminateExtension returned... */
    flush_statistics(); /* ...runs code of a module that is gone by now */
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    atomic_store(&g_stop, 0);
    sample_thread thread;
    if (!sample_thread_create(&thread, statistics_thread, NULL)) {
        return FALSE;
    }
    return sample_version_info(pVer, "late_thread buggy sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    return sample_send_text(pECB, "200 OK", kBody);
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    atomic_store(&g_stop, 1);
    /* BUG: returns without joining the thread, which still has work to do. */
    return TRUE;
}
