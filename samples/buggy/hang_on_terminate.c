/*
 * hang_on_terminate - BUG: TerminateExtension blocks (for an hour).
 *
 *   GET /hang_on_terminate.dll -> "hang_on_terminate sample\n" (200).
 *
 * The bug: TerminateExtension waits for a "flushed" flag that is meant to be
 * set by a flush thread - which was never started. Nothing ever sets it, so
 * TerminateExtension does not return; the unload (and a recycle or shutdown
 * that waits for it) hangs. The wait gives up after one hour, only so that a
 * forgotten run cannot hold a CI machine forever.
 *
 * A correct extension returns from TerminateExtension promptly: it waits only
 * for work it knows will finish (and joins only threads it started), or
 * bounds the wait by a short deadline.
 *
 * Finding kind: hang (TerminateExtension past its deadline).
 */
#include <httpext.h>

#include "common/sample_thread.h"
#include "common/sample_util.h"

#include <stdatomic.h>

static const char kBody[] = "hang_on_terminate sample\n";

static atomic_int g_flushed; /* set by the flush thread; there is none */

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    atomic_store(&g_flushed, 0);
    return sample_version_info(pVer, "hang_on_terminate buggy sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    return sample_send_text(pECB, "200 OK", kBody);
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    /* BUG: waits for something that never comes (bounded at one hour). */
    for (long waited_ms = 0; !atomic_load(&g_flushed) && waited_ms < 3600L * 1000; waited_ms += 100) {
        sample_sleep_ms(100);
    }
    return TRUE;
}
