/*
 * refuse_load - a build whose GetExtensionVersion returns FALSE, so the
 * host will not load it: the swap tests deploy it to prove the rollback.
 */
#include <httpext.h>

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    (void)pVer;
    return FALSE;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    (void)pECB;
    return HSE_STATUS_ERROR;
}
