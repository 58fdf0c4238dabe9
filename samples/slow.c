/*
 * slow - holds a request in flight on purpose.
 *
 *   GET /slow.dll?ms=250 -> sleeps 250 ms, then "slept 250 ms\n"
 * ms defaults to 1000 and is capped at 60000; a value that is not a number
 * gets 400.
 */
#include <httpext.h>

#include "common/sample_thread.h"
#include "common/sample_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const long kDefaultMs = 1000;
static const long kMaxMs = 60000;

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "slow sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    long ms = kDefaultMs;
    char* text = sample_query_param(pECB->lpszQueryString, "ms");
    if (text != NULL) {
        char* end = NULL;
        errno = 0;
        ms = strtol(text, &end, 10);
        int bad = text[0] == '\0' || *end != '\0' || errno != 0 || ms < 0;
        free(text);
        if (bad) {
            return sample_send_text(pECB, "400 Bad Request", "ms must be a non-negative number of milliseconds\n");
        }
        if (ms > kMaxMs) {
            ms = kMaxMs;
        }
    }
    sample_sleep_ms(ms);
    char body[64];
    int n = snprintf(body, sizeof body, "slept %ld ms\n", ms);
    if (!sample_send_response(pECB, "200 OK", "text/plain", NULL, body, (size_t)n)) {
        return HSE_STATUS_ERROR;
    }
    return HSE_STATUS_SUCCESS;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
