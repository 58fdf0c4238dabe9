/*
 * forgotten_worker.h - the thread the thread-leak samples forget: it waits
 * for work that nothing ever gives it, on a condition variable in the
 * module's own data, so it outlives TerminateExtension and the unload.
 *
 * forgotten_worker_start() starts it (1 on success); call
 * forgotten_worker_wait_started() before the module can be unloaded (from
 * GetExtensionVersion, never from DllMain, where Windows holds the loader
 * lock a new thread needs). Otherwise a thread the OS is slow to start would
 * begin after the unload, at a start routine that is gone, and the bug would
 * show as unloaded_code_executed instead.
 *
 * Static functions: each module that includes this gets its own copy, so the
 * thread's start routine lies in that module.
 */
#ifndef ISAPI_FORGOTTEN_WORKER_H
#define ISAPI_FORGOTTEN_WORKER_H

#include "sample_thread.h"

typedef struct {
    sample_mutex mutex;
    sample_cond cond;
    int have_work; /* guarded by mutex; nothing ever sets it */
    int waiting;   /* guarded by mutex: the worker has started */
} forgotten_worker;

static void forgotten_worker_main(void* arg)
{
    forgotten_worker* w = (forgotten_worker*)arg;
    sample_mutex_lock(&w->mutex);
    w->waiting = 1;
    sample_cond_broadcast(&w->cond); /* forgotten_worker_wait_started waits for this */
    while (!w->have_work) {
        sample_cond_wait(&w->cond, &w->mutex);
    }
    sample_mutex_unlock(&w->mutex);
}

static int forgotten_worker_start(forgotten_worker* w)
{
    if (!sample_mutex_init(&w->mutex)) {
        return 0;
    }
    if (!sample_cond_init(&w->cond)) {
        sample_mutex_destroy(&w->mutex);
        return 0;
    }
    w->have_work = 0;
    w->waiting = 0;
    sample_thread thread;
    if (!sample_thread_create(&thread, forgotten_worker_main, w)) {
        sample_cond_destroy(&w->cond);
        sample_mutex_destroy(&w->mutex);
        return 0;
    }
    return 1;
}

static void forgotten_worker_wait_started(forgotten_worker* w)
{
    sample_mutex_lock(&w->mutex);
    while (!w->waiting) {
        sample_cond_wait(&w->cond, &w->mutex);
    }
    sample_mutex_unlock(&w->mutex);
}

#endif
