/*
 * crash - kills the process that runs it, on request.
 *
 *   GET /crash.dll          -> "crash sample: add ?crash=1 to crash\n"
 *   GET /crash.dll?crash=1  -> HttpExtensionProc writes through a null
 *                              pointer: SIGSEGV on POSIX, an access violation
 *                              (0xC0000005) on Windows. No response is sent.
 *   GET /crash.dll?exit=N   -> HttpExtensionProc calls exit(N), N in 0..255
 *                              (400 otherwise): a worker that ends itself
 *                              instead of crashing.
 *   GET /crash.dll?unhealthy=REASON -> HSE_REQ_REPORT_UNHEALTHY with REASON,
 *                              then the page: the worker asks to be recycled
 *                              (IIS recycles the application pool).
 *
 * Either one takes down whatever process loaded the extension, so it is for
 * process isolation, where only the worker dies and the host must notice.
 * Under in-process hosting it takes the host with it, as it would take
 * w3wp.exe down under IIS.
 */
#include <httpext.h>

#include "common/sample_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char kPage[] = "crash sample: add ?crash=1 to crash\n";

/*
 * The pointer is itself volatile, so the compiler must load it at run time and
 * cannot prove it null: the store below is neither removed nor replaced by a
 * trap instruction (which would raise SIGILL, not SIGSEGV). The store is
 * volatile too, so it is performed even though its value is never read.
 * Address 0 is never mapped, on POSIX (SIGSEGV) as on Windows (an access
 * violation, EXCEPTION_ACCESS_VIOLATION).
 */
static int* volatile crash_target = NULL;

static void crash_now(void)
{
    *(volatile int*)crash_target = 0xDEAD;
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "crash sample");
}

/* 1 and the value in *out if `text` is a whole number in 0..255. */
static int parse_exit_code(const char* text, int* out)
{
    char* end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || errno != 0 || value < 0 || value > 255) {
        return 0;
    }
    *out = (int)value;
    return 1;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    const char* query = pECB->lpszQueryString;

    char* crash = sample_query_param(query, "crash");
    int wanted = crash != NULL && strcmp(crash, "1") == 0;
    free(crash);
    if (wanted) {
        crash_now();
        return HSE_STATUS_ERROR; /* not reached */
    }

    char* unhealthy = sample_query_param(query, "unhealthy");
    if (unhealthy != NULL) {
        BOOL reported = pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_REPORT_UNHEALTHY, unhealthy, NULL, NULL);
        free(unhealthy);
        if (!reported) return HSE_STATUS_ERROR;
    }

    char* exit_text = sample_query_param(query, "exit");
    if (exit_text != NULL) {
        int code = 0;
        int valid = parse_exit_code(exit_text, &code);
        free(exit_text);
        if (!valid) {
            return sample_send_text(pECB, "400 Bad Request", "exit must be a number from 0 to 255\n");
        }
        exit(code);
    }

    return sample_send_text(pECB, "200 OK", kPage);
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
