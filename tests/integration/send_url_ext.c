/*
 * A test extension: serves the URL in its query string through
 * HSE_REQ_SEND_URL, so the host's internal request path runs over real HTTP.
 *
 *   GET /send_url.dll?/hello.dll -> hello's response, served internally
 */
#include <httpext.h>

#include <string.h>

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    pVer->dwExtensionVersion = HSE_VERSION;
    strcpy(pVer->lpszExtensionDesc, "SEND_URL test extension");
    return TRUE;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    BOOL ok = pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_SEND_URL, (LPVOID)pECB->lpszQueryString, NULL, NULL);
    return ok ? HSE_STATUS_SUCCESS : HSE_STATUS_ERROR;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
