/*
 * async_read - an extension written for Windows that reads the request body
 * asynchronously: HSE_REQ_IO_COMPLETION names the completion routine and
 * HSE_REQ_ASYNC_READ_CLIENT starts each read; the routine adds the bytes up
 * and starts the next read until the whole body is in, then answers with
 * the byte count and a checksum and ends the request with
 * HSE_REQ_DONE_WITH_SESSION, keeping the connection open.
 *
 * Linux builds it with isapi_add_extension(... WIN32_COMPAT); Windows and
 * the MinGW cross build with their own <windows.h>.
 *
 *   POST /async_read.dll with "abc" -> "async_read: 3 bytes, sum 294\r\n"
 */
#include <windows.h>
#include <httpext.h>

#include "send_answer.h"

#include <stdio.h>

#define CHUNK 4096

typedef struct read_state {
    DWORD received; /* the preloaded bytes included */
    DWORD sum;      /* of every byte's value */
    DWORD asked;    /* the size of the read in flight */
    BYTE buffer[CHUNK];
} read_state;

static void add_bytes(read_state* state, const BYTE* bytes, DWORD count)
{
    for (DWORD i = 0; i < count; ++i) {
        state->sum += bytes[i];
    }
    state->received += count;
}

/* Sends the answer and frees STATE; returns the request's status. */
static DWORD respond(EXTENSION_CONTROL_BLOCK* ecb, read_state* state, BOOL ok)
{
    DWORD status = HSE_STATUS_ERROR;
    if (ok) {
        char body[96];
        int length = sprintf_s(body, sizeof body, "async_read: %lu bytes, sum %lu\r\n", state->received, state->sum);
        status = send_answer(ecb, body, length);
    }
    HeapFree(GetProcessHeap(), 0, state);
    return status;
}

/* Starts the next read of the body; FALSE when it did not start. */
static BOOL read_more(EXTENSION_CONTROL_BLOCK* ecb, read_state* state)
{
    DWORD left = ecb->cbTotalBytes - state->received;
    state->asked = left < CHUNK ? left : CHUNK;
    DWORD size = state->asked;
    DWORD flags = HSE_IO_ASYNC;
    if (ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_ASYNC_READ_CLIENT, state->buffer, &size, &flags)) {
        return TRUE;
    }
    char line[96];
    sprintf_s(line, sizeof line, "async_read: the read did not start (error %lu)", GetLastError());
    OutputDebugStringA(line);
    return FALSE;
}

/* Each completed read. HSE_REQ_DONE_WITH_SESSION is the last thing done:
   after it the host may unload the module. */
static VOID WINAPI on_read(EXTENSION_CONTROL_BLOCK* pECB, PVOID pContext, DWORD cbIO, DWORD dwError)
{
    read_state* state = (read_state*)pContext;
    DWORD status;
    if (dwError != NO_ERROR || cbIO == 0 || cbIO > state->asked) {
        status = respond(pECB, state, FALSE); /* the client went away */
    } else {
        add_bytes(state, state->buffer, cbIO);
        if (state->received < pECB->cbTotalBytes && read_more(pECB, state)) {
            return; /* the next completion carries on */
        }
        status = respond(pECB, state, state->received >= pECB->cbTotalBytes);
    }
    pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_DONE_WITH_SESSION, &status, NULL, NULL);
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    pVer->dwExtensionVersion = MAKELONG(HSE_VERSION_MINOR, HSE_VERSION_MAJOR);
    strcpy_s(pVer->lpszExtensionDesc, HSE_MAX_EXT_DLL_NAME_LEN, "async_read (Windows style)");
    return TRUE;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    read_state* state = (read_state*)HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(read_state));
    if (state == NULL) {
        return HSE_STATUS_ERROR;
    }
    add_bytes(state, pECB->lpbData, pECB->cbAvailable);
    if (state->received >= pECB->cbTotalBytes) {
        return respond(pECB, state, TRUE); /* all preloaded: no read needed */
    }
    if (!pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_IO_COMPLETION, (LPVOID)on_read, NULL, (LPDWORD)state) ||
        !read_more(pECB, state)) {
        HeapFree(GetProcessHeap(), 0, state);
        return HSE_STATUS_ERROR;
    }
    return HSE_STATUS_PENDING;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    UNREFERENCED_PARAMETER(dwFlags);
    return TRUE;
}
