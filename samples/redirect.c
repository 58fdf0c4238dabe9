/*
 * redirect - answers 302 with HSE_REQ_SEND_URL_REDIRECT_RESP.
 *
 *   GET /redirect.dll?to=/elsewhere -> 302, Location: /elsewhere
 *   GET /redirect.dll               -> 302, Location: /
 * A target containing CR or LF (header injection) gets 400.
 */
#include <httpext.h>

#include "common/sample_util.h"

#include <stdlib.h>
#include <string.h>

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "redirect sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    char* target = sample_query_param(pECB->lpszQueryString, "to");
    const char* location = (target != NULL && target[0] != '\0') ? target : "/";
    if (strpbrk(location, "\r\n") != NULL) {
        free(target);
        return sample_send_text(pECB, "400 Bad Request", "the redirect target must not contain CR or LF\n");
    }
    DWORD length = (DWORD)strlen(location);
    pECB->dwHttpStatusCode = 302;
    BOOL ok = pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_SEND_URL_REDIRECT_RESP, (LPVOID)location, &length,
                                          NULL);
    free(target);
    return ok ? HSE_STATUS_SUCCESS : HSE_STATUS_ERROR;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
