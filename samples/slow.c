/*
 * slow - holds a request in flight on purpose.
 *
 *   GET /slow.dll?ms=250 -> sleeps 250 ms, then "slept 250 ms\n"
 * ms defaults to 1000 and is capped at 60000; a value that is not a number
 * gets 400.
 */
#include <httpext.h>

#include "common/sample_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>

static const long kDefaultMs = 1000;
static const long kMaxMs = 60000;

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "slow sample");
}

/* Sleeps the whole duration even if a signal interrupts thrd_sleep. */
static void sleep_ms(long ms)
{
    struct timespec remaining = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (thrd_sleep(&remaining, &remaining) == -1) {
    }
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
    sleep_ms(ms);
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
