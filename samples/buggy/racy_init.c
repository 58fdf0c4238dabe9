/*
 * racy_init - BUG: lazy initialisation of shared state without a lock.
 *
 *   GET /racy_init.dll -> "racy_init sample: configured\n" (200).
 *
 * The bug: the first request builds a static configuration (which takes a
 * while: 20 ms, standing in for reading a file) and then sets `ready`; every
 * request checks `ready` first. Nothing orders those reads and writes: two
 * concurrent first requests both see ready == 0 and both initialise the
 * struct at once, and a later request may see ready == 1 before the banner
 * it guards. It is a data race in C11's sense (undefined behaviour), which
 * ThreadSanitizer reports as soon as two requests overlap.
 *
 * A correct extension initialises shared state in GetExtensionVersion (which
 * the host runs once, before any request), or guards the lazy initialisation
 * with a lock or call_once / pthread_once / InitOnceExecuteOnce.
 *
 * Finding kind: none of the host's; ThreadSanitizer's "data race" (tsan
 * preset, --isolation inproc or process).
 */
#include <httpext.h>

#include "common/sample_thread.h"
#include "common/sample_util.h"

#include <stdio.h>

struct config {
    int ready;
    char banner[64];
    size_t banner_len;
};

static struct config g_config; /* BUG: shared by every request, no lock */

static void load_config(struct config* c)
{
    sample_sleep_ms(20); /* "reading the configuration file" */
    int n = snprintf(c->banner, sizeof c->banner, "racy_init sample: configured\n");
    c->banner_len = n > 0 ? (size_t)n : 0;
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "racy_init buggy sample");
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    if (!g_config.ready) { /* BUG: unsynchronised check... */
        load_config(&g_config);
        g_config.ready = 1; /* ...and unsynchronised publication */
    }
    if (!sample_send_response(pECB, "200 OK", "text/plain", NULL, g_config.banner, g_config.banner_len)) {
        return HSE_STATUS_ERROR;
    }
    return HSE_STATUS_SUCCESS;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
