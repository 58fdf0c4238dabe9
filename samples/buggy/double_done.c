/*
 * double_done - BUG: calls HSE_REQ_DONE_WITH_SESSION twice for one request.
 *
 *   GET /double_done.dll -> "double_done sample\n" (200), then HttpExtensionProc
 *                           returns HSE_STATUS_PENDING.
 *
 * The bug: the request is completed once on the success path, and then again
 * by a "cleanup" path that does not know the first one ran. The second call
 * names a ConnID whose request is already over; in IIS the ECB may already
 * belong to another request by then.
 *
 * A correct extension calls HSE_REQ_DONE_WITH_SESSION exactly once per request
 * it answered HSE_STATUS_PENDING for, from exactly one place (and never for
 * a request it answered with a final status).
 *
 * Finding kind: double_done.
 */
#include <httpext.h>

#include "common/sample_util.h"

#include <string.h>

static const char kBody[] = "double_done sample\n";

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "double_done buggy sample");
}

static void finish(EXTENSION_CONTROL_BLOCK* pECB)
{
    DWORD status = HSE_STATUS_SUCCESS;
    pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_DONE_WITH_SESSION, &status, NULL, NULL);
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    sample_send_response(pECB, "200 OK", "text/plain", NULL, kBody, sizeof kBody - 1);
    finish(pECB); /* the request is done here... */
    finish(pECB); /* BUG: ...and done again by the cleanup path */
    return HSE_STATUS_PENDING;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
