/*
 * stuck - a request that never completes.
 *
 *   GET /stuck.dll       -> HttpExtensionProc returns HSE_STATUS_PENDING and
 *                           nothing ever calls HSE_REQ_DONE_WITH_SESSION: no
 *                           response, and the request stays running for good.
 *   GET /stuck.dll?ok=1  -> "stuck sample: ok\n", answered at once, to show the
 *                           extension (and the worker that loaded it) is
 *                           otherwise alive.
 *
 * The host cannot end such a request, and waiting for it would never finish:
 * at shutdown it has to give up after its shutdown time limit (IIS
 * shutdownTimeLimit; isapi-host --shutdown-time-limit, then exit code 3) and
 * end the process without calling TerminateExtension.
 */
#include <httpext.h>

#include "common/sample_util.h"

#include <stdlib.h>
#include <string.h>

static const char kOk[] = "stuck sample: ok\n";

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "stuck sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    char* ok = sample_query_param(pECB->lpszQueryString, "ok");
    int answer = ok != NULL && strcmp(ok, "1") == 0;
    free(ok);
    if (answer) {
        return sample_send_text(pECB, "200 OK", kOk);
    }
    /* The ECB is kept by the host and never handed back: this request is
     * pending until the process ends. */
    return HSE_STATUS_PENDING;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
