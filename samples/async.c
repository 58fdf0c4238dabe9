/*
 * async - completes every request on a background thread.
 *
 * HttpExtensionProc queues the ECB and returns HSE_STATUS_PENDING. One worker
 * thread, started in GetExtensionVersion and joined in TerminateExtension (so
 * no code of ours runs after unload), takes each request: it sends the
 * header, registers an I/O completion routine, and writes the body with
 * WriteClient(HSE_IO_ASYNC). The completion routine ends the request with
 * HSE_REQ_DONE_WITH_SESSION, as its very last action.
 *
 *   GET /async.dll?x=1 -> "async response from the worker thread\nquery: x=1\n"
 */
#include <httpext.h>

#include "common/sample_thread.h"
#include "common/sample_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
    EXTENSION_CONTROL_BLOCK* ecb;
    struct job* next;
} job;

/* What one async write needs until its completion runs. */
typedef struct write_context {
    size_t length;
    char body[];
} write_context;

static struct {
    sample_mutex lock;
    sample_cond wake;
    job* head;
    job* tail;
    int stopping;
    sample_thread thread;
    int started;
} g_queue;

static void finish(EXTENSION_CONTROL_BLOCK* ecb, DWORD status)
{
    ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_DONE_WITH_SESSION, &status, NULL, NULL);
}

static VOID WINAPI on_write_complete(EXTENSION_CONTROL_BLOCK* pECB, PVOID pContext, DWORD cbIO, DWORD dwError)
{
    write_context* context = (write_context*)pContext;
    DWORD status = (dwError == 0 && cbIO == context->length) ? HSE_STATUS_SUCCESS : HSE_STATUS_ERROR;
    free(context);
    finish(pECB, status); /* the ECB is gone after this call */
}

static void serve(EXTENSION_CONTROL_BLOCK* ecb)
{
    const char* query = ecb->lpszQueryString ? ecb->lpszQueryString : "";
    size_t query_len = strnlen(query, 4096);
    size_t capacity = query_len + 128;
    write_context* context = (write_context*)malloc(sizeof *context + capacity);
    if (context == NULL) {
        finish(ecb, HSE_STATUS_ERROR);
        return;
    }
    int n = snprintf(context->body, capacity, "async response from the worker thread\nquery: %.*s\n", (int)query_len,
                     query);
    context->length = n < 0 ? 0 : ((size_t)n < capacity ? (size_t)n : capacity - 1);

    char head[128];
    int head_len = snprintf(head, sizeof head, "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n",
                            context->length);
    if (!sample_send_header_block(ecb, "200 OK", head, (size_t)head_len) ||
        !ecb->ServerSupportFunction(ecb->ConnID, HSE_REQ_IO_COMPLETION, (LPVOID)on_write_complete, NULL,
                                    (LPDWORD)context)) {
        free(context);
        finish(ecb, HSE_STATUS_ERROR);
        return;
    }
    DWORD bytes = (DWORD)context->length;
    if (!ecb->WriteClient(ecb->ConnID, context->body, &bytes, HSE_IO_ASYNC)) {
        /* No completion will come for a write that failed to start. */
        free(context);
        finish(ecb, HSE_STATUS_ERROR);
    }
    /* From here on the completion owns the ECB and the context. */
}

static void worker_main(void* unused)
{
    (void)unused;
    sample_mutex_lock(&g_queue.lock);
    for (;;) {
        while (g_queue.head == NULL && !g_queue.stopping) {
            sample_cond_wait(&g_queue.wake, &g_queue.lock);
        }
        if (g_queue.head == NULL) {
            break; /* stopping, and nothing left to serve */
        }
        job* next = g_queue.head;
        g_queue.head = next->next;
        if (g_queue.head == NULL) {
            g_queue.tail = NULL;
        }
        sample_mutex_unlock(&g_queue.lock);
        EXTENSION_CONTROL_BLOCK* ecb = next->ecb;
        free(next);
        serve(ecb);
        sample_mutex_lock(&g_queue.lock);
    }
    sample_mutex_unlock(&g_queue.lock);
}

BOOL WINAPI GetExtensionVersion(HSE_VERSION_INFO* pVer)
{
    sample_version_info(pVer, "async sample");

    g_queue.head = g_queue.tail = NULL;
    g_queue.stopping = 0;
    if (!sample_mutex_init(&g_queue.lock)) {
        return FALSE;
    }
    if (!sample_cond_init(&g_queue.wake)) {
        sample_mutex_destroy(&g_queue.lock);
        return FALSE;
    }
    if (!sample_thread_create(&g_queue.thread, worker_main, NULL)) {
        sample_cond_destroy(&g_queue.wake);
        sample_mutex_destroy(&g_queue.lock);
        return FALSE;
    }
    g_queue.started = 1;
    return TRUE;
}

DWORD WINAPI HttpExtensionProc(EXTENSION_CONTROL_BLOCK* pECB)
{
    job* item = (job*)malloc(sizeof *item);
    if (item == NULL) {
        return HSE_STATUS_ERROR;
    }
    item->ecb = pECB;
    item->next = NULL;
    sample_mutex_lock(&g_queue.lock);
    if (g_queue.tail != NULL) {
        g_queue.tail->next = item;
    } else {
        g_queue.head = item;
    }
    g_queue.tail = item;
    sample_cond_signal(&g_queue.wake);
    sample_mutex_unlock(&g_queue.lock);
    return HSE_STATUS_PENDING;
}

BOOL WINAPI TerminateExtension(DWORD dwFlags)
{
    (void)dwFlags;
    if (!g_queue.started) {
        return TRUE;
    }
    /* The host calls this only after every request has completed, so the
     * queue is empty; the worker drains it anyway before it exits. */
    sample_mutex_lock(&g_queue.lock);
    g_queue.stopping = 1;
    sample_cond_broadcast(&g_queue.wake);
    sample_mutex_unlock(&g_queue.lock);
    sample_thread_join(g_queue.thread);
    sample_cond_destroy(&g_queue.wake);
    sample_mutex_destroy(&g_queue.lock);
    g_queue.started = 0;
    return TRUE;
}
