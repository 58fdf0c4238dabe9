/*
 * use_after_done - BUG: uses its ConnID after HSE_REQ_DONE_WITH_SESSION.
 *
 *   GET /use_after_done.dll -> "use_after_done sample\n" (200), then
 *                              HttpExtensionProc returns HSE_STATUS_PENDING.
 *
 * The bug: after completing the request with HSE_REQ_DONE_WITH_SESSION, the
 * extension still writes a trailing line with WriteClient(ConnID, ...). The
 * request is over by then; in IIS the ECB may already belong to another
 * request, so the bytes could go to someone else's response.
 *
 * A correct extension sends everything first and calls
 * HSE_REQ_DONE_WITH_SESSION last; after it, neither the ECB nor its ConnID is
 * touched again.
 *
 * Finding kind: ecb_after_done.
 */
#include <httpext.h>

#include "common/sample_util.h"

#include <string.h>

static const char kBody[] = "use_after_done sample\n";
static char kTrailer[] = "written after DONE_WITH_SESSION\n";

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "use_after_done buggy sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    sample_send_response(pECB, "200 OK", "text/plain", NULL, kBody, sizeof kBody - 1);
    DWORD status = HSE_STATUS_SUCCESS;
    pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_DONE_WITH_SESSION, &status, NULL, NULL);

    /* BUG: the request is done; this ConnID must not be used any more. */
    DWORD len = (DWORD)(sizeof kTrailer - 1);
    pECB->WriteClient(pECB->ConnID, kTrailer, &len, HSE_IO_SYNC);
    return HSE_STATUS_PENDING;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
