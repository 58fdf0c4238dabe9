/*
 * load_time_thread - BUG: a thread started while the module loads outlives
 * TerminateExtension.
 *
 *   GET /load_time_thread.dll -> "load_time_thread sample\n" (200).
 *
 * The bug: the module starts its worker thread from a load-time constructor,
 * which runs inside dlopen (inside LoadLibrary, from DllMain's
 * DLL_PROCESS_ATTACH, on Windows), before GetExtensionVersion and before the
 * host knows where the module lies in memory. TerminateExtension forgets the
 * thread: after it returns the thread is still blocked on a condition
 * variable inside this module's data, which the unload then unmaps. Thread
 * pools started this way are common in code written for IIS, where DllMain
 * is the first code of a DLL that runs.
 *
 * A correct extension starts its threads in GetExtensionVersion (never in
 * DllMain, where Windows holds the loader lock), and stops and joins them
 * before TerminateExtension returns.
 *
 * Finding kind: threads_outlive_terminate (the host attributes threads
 * created during the load to the module being loaded).
 */
#include <httpext.h>

#include "common/forgotten_worker.h"
#include "common/sample_util.h"

static const char kBody[] = "load_time_thread sample\n";

static forgotten_worker g_worker;
static int g_started; /* the constructor started the worker */

/* Runs at load (GCC and Clang on ELF; MinGW runs it from the CRT's DllMain). */
__attribute__((constructor)) static void start_pool_at_load(void)
{
    g_started = forgotten_worker_start(&g_worker);
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    if (!g_started) {
        return FALSE;
    }
    forgotten_worker_wait_started(&g_worker);
    return sample_version_info(pVer, "load_time_thread buggy sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    return sample_send_text(pECB, "200 OK", kBody);
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    /* BUG: the thread started at load is neither stopped nor joined. */
    return TRUE;
}
