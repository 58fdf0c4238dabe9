/*
 * seh_in_proc - BUG (Windows): a structured exception escapes
 * HttpExtensionProc.
 *
 *   GET /seh_in_proc.dll -> no answer from the extension: it raises an
 *                           exception the host cannot catch (a host with
 *                           worker processes answers 502 and starts a new
 *                           worker).
 *
 * The bug: HttpExtensionProc reports a failed lookup the way a C library of
 * its own does, with RaiseException and a custom code (0xE0000042, a
 * customer-defined error), and nothing in the extension handles it. A
 * structured exception that leaves an entry point unwinds into the server's
 * frames; nothing there expects it, and the process ends with it, as a
 * fatal signal ends one on Linux. An access violation in the extension
 * (samples/crash.c with ?crash=1) goes the same way.
 *
 * A correct extension handles its exceptions inside each entry point
 * (__try/__except around the call that can raise, with MSVC) and reports
 * failure through the return value: HSE_STATUS_ERROR.
 *
 * Finding kind: entry_point_crash (the exception's name or code, in
 * HttpExtensionProc of seh_in_proc.dll).
 */
#include <windows.h>

#include <httpext.h>

#include "common/sample_util.h"

#define LOOKUP_FAILED 0xE0000042u /* bit 29: a customer code, not Windows' */

static void lookup_or_raise(const char* key)
{
    if (key == NULL || key[0] == '\0') {
        RaiseException(LOOKUP_FAILED, EXCEPTION_NONCONTINUABLE, 0, NULL);
    }
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "seh_in_proc buggy sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    /* BUG: an empty query string raises, and nothing handles it. */
    lookup_or_raise(pECB->lpszQueryString);
    return sample_send_text(pECB, "200 OK", "seh_in_proc sample\n");
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
