/*
 * Critical sections (Microsoft Learn: "InitializeCriticalSection",
 * "InitializeCriticalSectionAndSpinCount", "EnterCriticalSection",
 * "TryEnterCriticalSection", "LeaveCriticalSection",
 * "DeleteCriticalSection"): each a recursive pthread mutex of its own, so
 * that ThreadSanitizer sees precisely the order the program's locks give.
 * The mutex lives on the heap: the CRITICAL_SECTION's size stays the same
 * whatever the C library's pthread_mutex_t is, and a section never
 * initialized or already deleted faults at once on its null pointer.
 */
#include <windows.h>

#include <pthread.h>
#include <stdlib.h>

BOOL WINAPI InitializeCriticalSectionAndSpinCount(LPCRITICAL_SECTION lpCriticalSection, DWORD dwSpinCount) {
    pthread_mutex_t* mutex = malloc(sizeof *mutex);
    if (!mutex) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return FALSE;
    }
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(mutex, &attributes);
    pthread_mutexattr_destroy(&attributes);
    lpCriticalSection->impl = mutex;
    lpCriticalSection->spin_count = dwSpinCount; /* kept, not used: pthread mutexes spin on their own */
    return TRUE;
}

VOID WINAPI InitializeCriticalSection(LPCRITICAL_SECTION lpCriticalSection) {
    if (!InitializeCriticalSectionAndSpinCount(lpCriticalSection, 0)) abort(); /* Windows raises an exception */
}

VOID WINAPI EnterCriticalSection(LPCRITICAL_SECTION lpCriticalSection) {
    pthread_mutex_lock((pthread_mutex_t*)lpCriticalSection->impl);
}

BOOL WINAPI TryEnterCriticalSection(LPCRITICAL_SECTION lpCriticalSection) {
    return pthread_mutex_trylock((pthread_mutex_t*)lpCriticalSection->impl) == 0;
}

VOID WINAPI LeaveCriticalSection(LPCRITICAL_SECTION lpCriticalSection) {
    pthread_mutex_unlock((pthread_mutex_t*)lpCriticalSection->impl);
}

VOID WINAPI DeleteCriticalSection(LPCRITICAL_SECTION lpCriticalSection) {
    pthread_mutex_t* mutex = lpCriticalSection->impl;
    if (!mutex) return;
    pthread_mutex_destroy(mutex);
    free(mutex);
    lpCriticalSection->impl = NULL;
}
