/*
 * leak_per_load - BUG: leaks 64 KiB and one file descriptor (on Windows, one
 * handle) per load.
 *
 *   GET /leak_per_load.dll -> "leak_per_load sample\n" (200).
 *
 * The bug: GetExtensionVersion allocates a 64 KiB response cache (malloc,
 * written so that it is really resident) and opens a log file descriptor
 * (/dev/null; on Windows a handle to NUL), and TerminateExtension frees
 * neither. Each load/unload cycle (uncached mode, every recycle) leaves
 * 64 KiB of heap and one open descriptor behind in the process, so a
 * long-running host grows without bound.
 *
 * A correct extension releases in TerminateExtension everything that
 * GetExtensionVersion acquired: free(cache) and close(log_fd)
 * (CloseHandle(log) on Windows).
 *
 * Finding kind: leak_per_cycle ("64.0 KiB and 1 fd per cycle"; on Windows
 * the KiB are private bytes and the "fd" a handle).
 */
#define _POSIX_C_SOURCE 200809L /* open, O_CLOEXEC, write */

#include <httpext.h>

#include "common/sample_util.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

#define CACHE_SIZE (64 * 1024)

static const char kBody[] = "leak_per_load sample\n";

static char* g_cache; /* CACHE_SIZE bytes, the response at its start */

#if defined(_WIN32)
static HANDLE g_log = INVALID_HANDLE_VALUE;
static int open_log(void)
{
    g_log = CreateFileW(L"NUL", GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                        FILE_ATTRIBUTE_NORMAL, NULL);
    return g_log != INVALID_HANDLE_VALUE;
}
static void write_log(const char* text, size_t len)
{
    DWORD written = 0;
    WriteFile(g_log, text, (DWORD)len, &written, NULL);
}
#else
static int g_log_fd = -1;
static int open_log(void)
{
    g_log_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    return g_log_fd >= 0;
}
static void write_log(const char* text, size_t len)
{
    if (write(g_log_fd, text, len) < 0) {
        /* a log that cannot be written is not worth failing the request for */
    }
}
#endif

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    g_cache = (char*)malloc(CACHE_SIZE);
    if (g_cache == NULL) {
        return FALSE;
    }
    memset(g_cache, 0, CACHE_SIZE);
    memcpy(g_cache, kBody, sizeof kBody);
    if (!open_log()) {
        free(g_cache);
        g_cache = NULL;
        return FALSE;
    }
    return sample_version_info(pVer, "leak_per_load buggy sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    size_t len = strlen(g_cache);
    write_log(g_cache, len);
    if (!sample_send_response(pECB, "200 OK", "text/plain", NULL, g_cache, len)) {
        return HSE_STATUS_ERROR;
    }
    return HSE_STATUS_SUCCESS;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    /* BUG: should free(g_cache) and close the log (close(g_log_fd),
     * CloseHandle(g_log)); does neither. */
    return TRUE;
}
