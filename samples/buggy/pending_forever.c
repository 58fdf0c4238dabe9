/*
 * pending_forever - BUG: returns HSE_STATUS_PENDING and never completes.
 *
 *   GET /pending_forever.dll -> nothing, ever.
 *
 * The bug: HttpExtensionProc answers HSE_STATUS_PENDING ("I will finish this
 * request later") and then nothing ever calls HSE_REQ_DONE_WITH_SESSION, e.g.
 * because the completion was supposed to come from work that was never
 * queued. The request is pending until the process ends, and a host can only
 * give up on it when unloading, at its shutdown time limit (isapi-host
 * --shutdown-time-limit; exit code 3 when it runs out at shutdown).
 *
 * A correct extension either finishes the request before returning (and
 * returns HSE_STATUS_SUCCESS or HSE_STATUS_ERROR), or returns
 * HSE_STATUS_PENDING only after handing the ECB to something that will call
 * HSE_REQ_DONE_WITH_SESSION exactly once, and soon.
 *
 * Finding kind: pending_at_unload (the same behaviour as samples/stuck.c,
 * without its ?ok=1 page, named for the detector).
 */
#include <httpext.h>

#include "common/sample_util.h"

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "pending_forever buggy sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    (void)pECB;
    /* BUG: nobody will ever call HSE_REQ_DONE_WITH_SESSION for this request. */
    return HSE_STATUS_PENDING;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
