/*
 * A test extension with a DllMain: it appends one line per call to the file
 * named by ISAPI_TEST_DLLMAIN_LOG ("attach PATH" with the module's file
 * name from GetModuleFileName(hinstDLL), "detach"), and GetExtensionVersion
 * reports whether GetModuleHandle finds this module by its Windows name.
 * dllmain_probe.cpp builds the same source as C++.
 */
#include <windows.h>
#include <httpext.h>

#include <stdio.h>
#include <stdlib.h>

#ifndef PROBE_NAME
#define PROBE_NAME "win32_compat_dllmain_probe"
#endif

static void log_line(const char* what, const char* detail)
{
    const char* path = getenv("ISAPI_TEST_DLLMAIN_LOG");
    FILE* f = path ? fopen(path, "a") : NULL;
    if (f) {
        fprintf(f, "%s %s\n", what, detail);
        fclose(f);
    }
}

BOOL WINAPI DllMain(HINSTANCE hinstDLL, DWORD fdwReason, LPVOID lpvReserved)
{
    char name[MAX_PATH];
    UNREFERENCED_PARAMETER(lpvReserved);
    if (fdwReason == DLL_PROCESS_ATTACH) {
        GetModuleFileNameA(hinstDLL, name, MAX_PATH);
        log_line("attach", name);
        log_line("disable_thread_calls", DisableThreadLibraryCalls(hinstDLL) ? "TRUE" : "FALSE");
    } else if (fdwReason == DLL_PROCESS_DETACH) {
        log_line("detach", GetModuleHandleA(NULL) != NULL ? "exe-found" : "exe-missing");
    }
    return TRUE;
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    HMODULE by_windows_name = GetModuleHandleA(PROBE_NAME ".dll");
    HMODULE by_stem = GetModuleHandleA(PROBE_NAME);
    pVer->dwExtensionVersion = HSE_VERSION;
    sprintf_s(pVer->lpszExtensionDesc, HSE_MAX_EXT_DLL_NAME_LEN, "%s %s",
              by_windows_name != NULL ? "found" : "missing", by_stem == by_windows_name ? "same" : "different");
    return TRUE;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    UNREFERENCED_PARAMETER(pECB);
    return HSE_STATUS_ERROR;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    UNREFERENCED_PARAMETER(dwFlags);
    return TRUE;
}
