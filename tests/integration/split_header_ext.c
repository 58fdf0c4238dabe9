/*
 * A test extension that tries to split its own response: a header line with
 * a bare CR before a forged header, then body bytes past its Content-Length
 * that spell a second, forged response.
 *
 *   GET /split.dll -> "ok" and nothing else, whatever the host forwards
 */
#include <httpext.h>

#include <string.h>

static const char kHeaders[] = "X-Split: a\rX-Injected: 1\r\n"
                               "Content-Type: text/plain\r\n"
                               "Content-Length: 2\r\n\r\n";
static const char kBody[] = "okHTTP/1.1 200 OK\r\nX-Smuggled: 1\r\nContent-Length: 6\r\n\r\nforged";

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    pVer->dwExtensionVersion = HSE_VERSION;
    strcpy(pVer->lpszExtensionDesc, "response splitting test extension");
    return TRUE;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    HSE_SEND_HEADER_EX_INFO info;
    memset(&info, 0, sizeof info);
    info.pszStatus = "200 OK";
    info.cchStatus = (DWORD)strlen(info.pszStatus);
    info.pszHeader = kHeaders;
    info.cchHeader = (DWORD)(sizeof kHeaders - 1);
    info.fKeepConn = TRUE;
    pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_SEND_RESPONSE_HEADER_EX, &info, NULL, NULL);
    DWORD size = (DWORD)(sizeof kBody - 1);
    pECB->WriteClient(pECB->ConnID, (LPVOID)kBody, &size, HSE_IO_SYNC);
    return HSE_STATUS_SUCCESS;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
