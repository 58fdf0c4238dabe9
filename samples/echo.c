/*
 * echo - returns the request body.
 *
 * Reads the preloaded bytes (lpbData/cbAvailable), then ReadClient until it
 * returns 0 bytes; this works for a known Content-Length and for a chunked
 * body (cbTotalBytes == 0xFFFFFFFF) alike. Answers 200 with the same bytes,
 * the request's Content-Type (or application/octet-stream), Content-Length and
 * X-Echo-Bytes. Bodies over kMaxEcho get 413.
 */
#include <httpext.h>

#include "common/sample_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNKNOWN_LENGTH 0xFFFFFFFFu
static const size_t kMaxEcho = (size_t)256 * 1024 * 1024;

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "echo sample");
}

/* Makes room for `more` bytes after `length`. FALSE when out of memory. */
static BOOL reserve(char** buffer, size_t* capacity, size_t length, size_t more)
{
    if (length + more <= *capacity) {
        return TRUE;
    }
    size_t grown_capacity = *capacity ? *capacity : 4096;
    while (length + more > grown_capacity) {
        grown_capacity *= 2;
    }
    char* grown = (char*)realloc(*buffer, grown_capacity);
    if (grown == NULL) {
        return FALSE;
    }
    *buffer = grown;
    *capacity = grown_capacity;
    return TRUE;
}

/* Reads the whole body. Returns 0 on success, else the HTTP status to answer
 * (413 when too large, 0xFFFF when the client went away). */
static unsigned read_body(EXTENSION_CONTROL_BLOCK* ecb, char** body, size_t* length)
{
    size_t capacity = 0;
    *body = NULL;
    *length = 0;
    size_t expected = ecb->cbTotalBytes == UNKNOWN_LENGTH ? 0 : (size_t)ecb->cbTotalBytes;
    if (expected > kMaxEcho) {
        return 413;
    }
    if (!reserve(body, &capacity, 0, expected ? expected : 4096)) {
        return 500;
    }
    if (ecb->cbAvailable > 0) {
        if (!reserve(body, &capacity, 0, ecb->cbAvailable)) {
            return 500;
        }
        memcpy(*body, ecb->lpbData, ecb->cbAvailable);
        *length = ecb->cbAvailable;
    }
    for (;;) {
        if (ecb->cbTotalBytes != UNKNOWN_LENGTH && *length >= expected) {
            return 0;
        }
        if (!reserve(body, &capacity, *length, 16384)) {
            return 500;
        }
        DWORD chunk = (DWORD)(capacity - *length > 65536 ? 65536 : capacity - *length);
        if (!ecb->ReadClient(ecb->ConnID, *body + *length, &chunk)) {
            return 0xFFFF;
        }
        if (chunk == 0) {
            return 0; /* end of the body */
        }
        *length += chunk;
        if (*length > kMaxEcho) {
            return 413;
        }
    }
}

/* WriteClient until every byte is out. */
static BOOL write_all(EXTENSION_CONTROL_BLOCK* ecb, const char* data, size_t length)
{
    while (length > 0) {
        DWORD chunk = (DWORD)(length > 1048576 ? 1048576 : length);
        if (!ecb->WriteClient(ecb->ConnID, (LPVOID)data, &chunk, HSE_IO_SYNC) || chunk == 0) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    char* body = NULL;
    size_t length = 0;
    unsigned failure = read_body(pECB, &body, &length);
    if (failure != 0) {
        free(body);
        if (failure == 413) {
            return sample_send_text(pECB, "413 Payload Too Large", "body too large for the echo sample\n");
        }
        if (failure == 500) {
            return sample_send_text(pECB, "500 Internal Server Error", "out of memory\n");
        }
        return HSE_STATUS_ERROR;
    }

    const char* type = pECB->lpszContentType;
    if (type == NULL || type[0] == '\0' || strpbrk(type, "\r\n") != NULL) {
        type = "application/octet-stream";
    }
    char head[512];
    int head_len = snprintf(head, sizeof head, "Content-Type: %s\r\nContent-Length: %zu\r\nX-Echo-Bytes: %zu\r\n\r\n",
                            type, length, length);
    if (head_len < 0 || (size_t)head_len >= sizeof head) {
        free(body);
        return sample_send_text(pECB, "400 Bad Request", "Content-Type too long\n");
    }
    BOOL ok = sample_send_header_block(pECB, "200 OK", head, (size_t)head_len) &&
              write_all(pECB, body, length);
    free(body);
    return ok ? HSE_STATUS_SUCCESS : HSE_STATUS_ERROR;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
