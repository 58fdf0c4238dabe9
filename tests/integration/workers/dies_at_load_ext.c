/*
 * A test extension: a worker whose ISAPI_FAULTS names "dies_at_load" ends
 * (exit code 70) inside GetExtensionVersion, so with --preload that worker
 * dies before it is ready. ISAPI_WORKER_FAULTS picks the worker generation:
 * "2:dies_at_load" makes a recycle's new worker die and leaves the first
 * one alone. Any other worker serves 200 "alive\n".
 */
#include <httpext.h>

#include <stdlib.h>
#include <string.h>

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    const char* faults = getenv("ISAPI_FAULTS");
    if (faults != NULL && strstr(faults, "dies_at_load") != NULL) {
        _Exit(70);
    }
    pVer->dwExtensionVersion = HSE_VERSION;
    strcpy(pVer->lpszExtensionDesc, "dies_at_load test extension");
    return TRUE;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    static char status[] = "200 OK";
    static char header[] = "Content-Type: text/plain\r\nContent-Length: 6\r\n\r\n";
    static char body[] = "alive\n";
    if (!pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_SEND_RESPONSE_HEADER, status, NULL, (LPDWORD)header)) {
        return HSE_STATUS_ERROR;
    }
    DWORD length = 6;
    return pECB->WriteClient(pECB->ConnID, body, &length, HSE_IO_SYNC) ? HSE_STATUS_SUCCESS : HSE_STATUS_ERROR;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
