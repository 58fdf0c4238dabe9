/*
 * mywinext - an extension written for Windows, in a project of its own:
 * <windows.h>, DllMain and wsprintf, built on Linux by
 * isapi_add_extension(... WIN32_COMPAT) against the installed package.
 *
 *   GET /mywinext.dll -> "mywinext: DllMain saw mywinext.so\n"
 */
#include <windows.h>
#include <httpext.h>

static char g_module[MAX_PATH]; /* this module's file name, from DllMain */

BOOL WINAPI DllMain(HINSTANCE hinstDLL, DWORD fdwReason, LPVOID lpvReserved)
{
    UNREFERENCED_PARAMETER(lpvReserved);
    if (fdwReason == DLL_PROCESS_ATTACH) {
        char path[MAX_PATH];
        DWORD length = GetModuleFileNameA(hinstDLL, path, MAX_PATH);
        while (length > 0 && path[length - 1] != '/' && path[length - 1] != '\\') {
            --length;
        }
        lstrcpynA(g_module, path + length, MAX_PATH);
    }
    return TRUE;
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    pVer->dwExtensionVersion = MAKELONG(HSE_VERSION_MINOR, HSE_VERSION_MAJOR);
    lstrcpynA(pVer->lpszExtensionDesc, "mywinext, Windows-style", HSE_MAX_EXT_DLL_NAME_LEN);
    return TRUE;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    char body[MAX_PATH + 64];
    int length = wsprintfA(body, "mywinext: DllMain saw %s\n", g_module);
    char headers[96];
    wsprintfA(headers, "Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n", length);
    HSE_SEND_HEADER_EX_INFO info = {"200 OK", headers, 6, (DWORD)lstrlenA(headers), FALSE};
    DWORD bytes = (DWORD)length;
    if (!pECB->ServerSupportFunction(pECB->ConnID, HSE_REQ_SEND_RESPONSE_HEADER_EX, &info, NULL, NULL) ||
        !pECB->WriteClient(pECB->ConnID, body, &bytes, HSE_IO_SYNC)) {
        return HSE_STATUS_ERROR;
    }
    return HSE_STATUS_SUCCESS;
}
