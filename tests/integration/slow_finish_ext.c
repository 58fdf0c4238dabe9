/*
 * A test extension that sends its response header at once and finishes the
 * response two seconds later, as an extension does whose work (a database
 * call, a worker thread) outlasts the header. The query string picks how:
 *
 *   GET /slow.dll?fast    header and "done\n" at once (to load it first)
 *   GET /slow.dll?inside  header, two seconds inside HttpExtensionProc, "done\n"
 *   GET /slow.dll?piece   header, WriteClient "first\n", two seconds inside, "done\n"
 *   GET /slow.dll?pending header, HSE_STATUS_PENDING; a thread of its own
 *                         waits two seconds, writes "done\n" and ends the
 *                         request with HSE_REQ_DONE_WITH_SESSION
 *
 * The header has no Content-Length, so the body is chunked.
 */
#include <httpext.h>

#include <pthread.h>
#include <string.h>
#include <time.h>

static const char kHeaders[] = "Content-Type: text/plain\r\n\r\n";

static void work_for_two_seconds(void)
{
    struct timespec left = {2, 0};
    while (nanosleep(&left, &left) != 0) {
    }
}

static BOOL write_text(EXTENSION_CONTROL_BLOCK* pECB, const char* text)
{
    DWORD length = (DWORD)strlen(text);
    return pECB->WriteClient(pECB->ConnID, (LPVOID)text, &length, HSE_IO_SYNC);
}

static void* finish_later(void* arg)
{
    EXTENSION_CONTROL_BLOCK* pECB = (EXTENSION_CONTROL_BLOCK*)arg;
    work_for_two_seconds();
    DWORD status = write_text(pECB, "done\n") ? HSE_STATUS_SUCCESS : HSE_STATUS_ERROR;
    pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_DONE_WITH_SESSION, &status, NULL, NULL);
    return NULL;
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    pVer->dwExtensionVersion = HSE_VERSION;
    strcpy(pVer->lpszExtensionDesc, "slow finish test extension");
    return TRUE;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    HSE_SEND_HEADER_EX_INFO info;
    memset(&info, 0, sizeof info);
    info.pszStatus = "200 OK";
    info.cchStatus = (DWORD)strlen(info.pszStatus);
    info.pszHeader = kHeaders;
    info.cchHeader = (DWORD)strlen(kHeaders);
    info.fKeepConn = TRUE;
    if (!pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_SEND_RESPONSE_HEADER_EX, &info, NULL, NULL)) {
        return HSE_STATUS_ERROR;
    }
    const char* mode = pECB->lpszQueryString;
    if (strcmp(mode, "pending") == 0) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, finish_later, pECB) != 0) return HSE_STATUS_ERROR;
        pthread_detach(thread);
        return HSE_STATUS_PENDING;
    }
    if (strcmp(mode, "piece") == 0 && !write_text(pECB, "first\n")) return HSE_STATUS_ERROR;
    if (strcmp(mode, "fast") != 0) work_for_two_seconds();
    return write_text(pECB, "done\n") ? HSE_STATUS_SUCCESS : HSE_STATUS_ERROR;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
