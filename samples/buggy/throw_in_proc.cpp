/*
 * throw_in_proc - BUG: a C++ exception escapes HttpExtensionProc.
 *
 *   GET /throw_in_proc.dll -> HttpExtensionProc throws std::runtime_error;
 *                             nothing is sent (a careful host answers 500).
 *
 * The bug: HttpExtensionProc is a C entry point called by the server; an
 * exception thrown out of it unwinds into the server's frames, which were not
 * written for it (in IIS it takes down the worker process, or worse).
 *
 * A correct C++ extension catches everything inside each entry point
 * (try { ... } catch (...) { ...; return HSE_STATUS_ERROR; }) and reports
 * failure through the return value.
 *
 * Finding kind: exception_escaped.
 */
#include <httpext.h>

#include "common/sample_util.h"

#include <stdexcept>

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "throw_in_proc buggy sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    (void)pECB;
    /* BUG: nothing catches this before it leaves the entry point. */
    throw std::runtime_error("throw_in_proc: thrown out of HttpExtensionProc");
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
