/*
 * myext - an ISAPI extension in a project of its own, built against the
 * installed isapi-harness package (see CMakeLists.txt beside it).
 *
 *   GET /myext.dll?anything -> "myext: query=anything server=isapi-harness/X.Y\n"
 *
 * The answer repeats the query string and SERVER_SOFTWARE, so whoever asks
 * can tell that this extension answered, and under which host.
 */
#include <httpext.h>

#include <stdio.h>
#include <string.h>

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    pVer->dwExtensionVersion = MAKELONG(HSE_VERSION_MINOR, HSE_VERSION_MAJOR);
    strncpy(pVer->lpszExtensionDesc, "myext, an out-of-tree example", HSE_MAX_EXT_DLL_NAME_LEN - 1);
    pVer->lpszExtensionDesc[HSE_MAX_EXT_DLL_NAME_LEN - 1] = '\0';
    return TRUE;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    char server[128];
    DWORD server_size = sizeof server;
    if (!pECB->GetServerVariable(pECB->ConnID, "SERVER_SOFTWARE", server, &server_size)) {
        strcpy(server, "(unknown)");
    }

    char body[512];
    const int length = snprintf(body, sizeof body, "myext: query=%s server=%s\n", pECB->lpszQueryString, server);
    if (length < 0 || (size_t)length >= sizeof body) {
        return HSE_STATUS_ERROR;
    }
    char headers[128];
    snprintf(headers, sizeof headers, "Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n", length);

    HSE_SEND_HEADER_EX_INFO info = {"200 OK", headers, 6, (DWORD)strlen(headers), TRUE};
    if (!pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_SEND_RESPONSE_HEADER_EX, &info, NULL, NULL)) {
        return HSE_STATUS_ERROR;
    }
    DWORD written = (DWORD)length;
    if (!pECB->WriteClient(pECB->ConnID, body, &written, HSE_IO_SYNC)) {
        return HSE_STATUS_ERROR;
    }
    return HSE_STATUS_SUCCESS;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
