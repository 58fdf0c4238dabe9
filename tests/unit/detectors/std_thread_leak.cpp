// Test fixture, not a sample: a C++ extension whose GetExtensionVersion
// starts a std::thread and never stops it. libstdc++ calls pthread_create
// with its own start routine, so only the creating call stack tells that
// this module started the thread.
#include <httpext.h>

#include <chrono>
#include <cstring>
#include <thread>

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    pVer->dwExtensionVersion = HSE_VERSION;
    std::strcpy(pVer->lpszExtensionDesc, "std_thread_leak test fixture");
    std::thread([] {
        for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }).detach();
    return TRUE;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    (void)pECB;
    return HSE_STATUS_ERROR;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
