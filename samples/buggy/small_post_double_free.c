/*
 * small_post_double_free - BUG: frees a request's field index twice, but only
 * for a POST whose whole body came preloaded in lpbData.
 *
 *   GET  /small_post_double_free.dll  -> "small_post_double_free sample: 0 body bytes, 0 fields\n"
 *   POST with a body larger than 48 KiB -> "... N body bytes, 0 fields\n" (200)
 *   POST with a smaller body            -> the worker aborts
 *
 * A body is copied into a heap buffer: from lpbData, and past the preloaded
 * part with ReadClient. A body the host preloaded entirely (cbAvailable ==
 * cbTotalBytes, up to 48 KiB) is also indexed: a small heap array notes where
 * its fields start. The shared clean-up at the end frees both.
 *
 * The bug: the small-body path frees its index as soon as it has counted the
 * fields ("it is not needed any more"), so the shared clean-up frees it a
 * second time: the C library aborts the worker (glibc: "free(): double free
 * detected in tcache 2"). A GET, a bodiless POST and a body larger than the
 * preload take other paths and never show it, so a load test of GETs alone
 * passes.
 *
 * A correct extension frees each buffer in exactly one place (or clears the
 * pointer where it frees it early).
 *
 * Finding kind: entry_point_crash (worker processes: the crash note names
 * HttpExtensionProc).
 */
#include <httpext.h>

#include "common/sample_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One request's body, and for a preloaded body the offsets of its fields
 * (small, so a double free hits the allocator's fast path, whose check is
 * immediate). */
typedef struct form {
    size_t length;
    char* bytes;
    size_t* fields;
} form;

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    return sample_version_info(pVer, "small_post_double_free buggy sample");
}

/* The body past the preloaded part, read with ReadClient. */
static BOOL read_rest(EXTENSION_CONTROL_BLOCK* ecb, form* f)
{
    while (f->length < ecb->cbTotalBytes) {
        DWORD chunk = ecb->cbTotalBytes - (DWORD)f->length;
        if (!ecb->ReadClient(ecb->ConnID, f->bytes + f->length, &chunk) || chunk == 0) {
            return FALSE;
        }
        f->length += chunk;
    }
    return TRUE;
}

/* Counts the '&'-separated fields of a preloaded body, noting where the
 * first few start. */
static size_t index_fields(form* f)
{
    size_t count = 0;
    for (size_t i = 0; i <= f->length; ++i) {
        if (i == f->length || f->bytes[i] == '&') {
            if (count < 8) {
                f->fields[count] = i;
            }
            ++count;
        }
    }
    return count;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    form f = {0, NULL, NULL};
    size_t fields = 0;
    BOOL ok = TRUE;
    if (pECB->cbTotalBytes > 0 && pECB->cbTotalBytes != 0xFFFFFFFFu) {
        f.bytes = (char*)malloc(pECB->cbTotalBytes);
        ok = f.bytes != NULL;
        if (ok) {
            memcpy(f.bytes, pECB->lpbData, pECB->cbAvailable);
            f.length = pECB->cbAvailable;
        }
        if (ok && pECB->cbAvailable == pECB->cbTotalBytes) {
            f.fields = (size_t*)malloc(8 * sizeof *f.fields);
            ok = f.fields != NULL;
            if (ok) {
                fields = index_fields(&f);
                free(f.fields); /* BUG: "done with the index" - the clean-up below frees it again */
            }
        } else if (ok) {
            ok = read_rest(pECB, &f);
        }
    }
    char text[128];
    snprintf(text, sizeof text, "small_post_double_free sample: %zu body bytes, %zu fields\n", f.length, fields);
    DWORD result = ok ? sample_send_text(pECB, "200 OK", text) : HSE_STATUS_ERROR;

    /* The shared clean-up. */
    free(f.fields);
    free(f.bytes);
    return result;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    return TRUE;
}
