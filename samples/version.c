/*
 * version - answers with a build string fixed at compile time, so a client
 * can tell which build of a module served it. Built twice from this source:
 * version_v1.so (-DVERSION_STRING="v1") and version_v2.so.
 *
 *   GET /version.dll -> "version v1\n", header X-Sample-Version: v1
 */
#include <httpext.h>

#include "common/sample_util.h"

#include <string.h>

#ifndef VERSION_STRING
#error "build with -DVERSION_STRING=\"...\""
#endif

static const char kBody[] = "version " VERSION_STRING "\n";

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "version sample " VERSION_STRING);
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    if (!sample_send_response(pECB, "200 OK", "text/plain", "X-Sample-Version: " VERSION_STRING "\r\n", kBody,
                              sizeof kBody - 1)) {
        return HSE_STATUS_ERROR;
    }
    return HSE_STATUS_SUCCESS;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
