/*
 * nodelete - BUG: a module that cannot be unloaded.
 *
 *   GET /nodelete.dll -> "nodelete sample\n" (200).
 *
 * On Windows the bug is in GetExtensionVersion: it pins its own module
 * (GetModuleHandleExW with GET_MODULE_HANDLE_EX_FLAG_PIN), which some
 * extensions do so that a callback they registered can never outlive the
 * code; from then on FreeLibrary returns TRUE and unmaps nothing, until the
 * process ends. What follows is the same as on Linux.
 *
 * On Linux the bug is in the build, not in the code below: the module is
 * linked with -Wl,-z,nodelete (see buggy/CMakeLists.txt), which marks it
 * DF_1_NODELETE, so dlclose never unmaps it. TerminateExtension is called and the host
 * believes it unloaded the module, but its code and data stay mapped: in
 * uncached mode the next "load" gets the same old copy back (static data
 * included), and a rebuilt file is never picked up. C++ inline or template
 * statics (STB_GNU_UNIQUE symbols under GCC) have the same effect, which is
 * why isapi_add_extension passes -fno-gnu-unique.
 *
 * A correct extension is linked without -z nodelete and without unique
 * symbols, so that dlclose really unmaps it; on Windows it takes no
 * reference to itself that it does not give back (no pin, no extra
 * LoadLibrary of its own file without the FreeLibrary).
 *
 * Finding kind: unload_ineffective.
 */
#include <httpext.h>

#include "common/sample_util.h"

static const char kBody[] = "nodelete sample\n";

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
#if defined(_WIN32)
    /* BUG: pinned, this module stays mapped whatever FreeLibrary is called. */
    HMODULE self = NULL;
    GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN | GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
                       (LPCWSTR)(void*)GetExtensionVersion, &self);
#endif
    return sample_version_info(pVer, "nodelete buggy sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    return sample_send_text(pECB, "200 OK", kBody);
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
