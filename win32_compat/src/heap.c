/*
 * Heaps (Microsoft Learn: "GetProcessHeap", "HeapCreate", "HeapDestroy",
 * "HeapAlloc", "HeapReAlloc", "HeapFree", "HeapSize"). Every block is a
 * malloc block with a header in front: HeapSize needs the size asked for,
 * and HeapDestroy frees the blocks still in its heap, so each heap keeps
 * its blocks in a list. The caller's bytes end where the malloc block ends,
 * so AddressSanitizer still catches an overflow past them, and a block
 * given to free() instead of HeapFree is reported as a bad free.
 */
#include <windows.h>

#include <pthread.h>
#include <stdlib.h>

struct block {
    struct block *previous, *next;
    struct heap* heap;
    size_t size;
} __attribute__((aligned(16))); /* the caller's bytes stay 16-byte aligned */

struct heap {
    pthread_mutex_t lock; /* HEAP_NO_SERIALIZE is accepted and ignored */
    struct block* blocks;
};

static struct heap g_process_heap = {PTHREAD_MUTEX_INITIALIZER, NULL};

HANDLE WINAPI GetProcessHeap(void) { return &g_process_heap; }

HANDLE WINAPI HeapCreate(DWORD flOptions, SIZE_T dwInitialSize, SIZE_T dwMaximumSize) {
    (void)flOptions, (void)dwInitialSize, (void)dwMaximumSize; /* no growth limit here */
    struct heap* heap = calloc(1, sizeof *heap);
    if (!heap) {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    pthread_mutex_init(&heap->lock, NULL);
    return heap;
}

BOOL WINAPI HeapDestroy(HANDLE hHeap) {
    struct heap* heap = hHeap;
    if (!heap || heap == &g_process_heap) { /* the process heap is never destroyed */
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    for (struct block* b = heap->blocks; b;) {
        struct block* next = b->next;
        free(b);
        b = next;
    }
    pthread_mutex_destroy(&heap->lock);
    free(heap);
    return TRUE;
}

static void link_block(struct heap* heap, struct block* b) {
    pthread_mutex_lock(&heap->lock);
    b->heap = heap, b->previous = NULL, b->next = heap->blocks;
    if (heap->blocks) heap->blocks->previous = b;
    heap->blocks = b;
    pthread_mutex_unlock(&heap->lock);
}

static void unlink_block(struct block* b) {
    struct heap* heap = b->heap;
    pthread_mutex_lock(&heap->lock);
    if (b->previous) b->previous->next = b->next;
    else heap->blocks = b->next;
    if (b->next) b->next->previous = b->previous;
    pthread_mutex_unlock(&heap->lock);
}

static LPVOID out_of_memory(void) {
    SetLastError(ERROR_NOT_ENOUGH_MEMORY); /* HEAP_GENERATE_EXCEPTIONS: no exceptions here */
    return NULL;
}

LPVOID WINAPI HeapAlloc(HANDLE hHeap, DWORD dwFlags, SIZE_T dwBytes) {
    if (!hHeap || dwBytes > (SIZE_T)-1 - sizeof(struct block)) return out_of_memory();
    struct block* b = (dwFlags & HEAP_ZERO_MEMORY) ? calloc(1, sizeof *b + dwBytes) : malloc(sizeof *b + dwBytes);
    if (!b) return out_of_memory();
    b->size = dwBytes;
    link_block(hHeap, b);
    return b + 1;
}

LPVOID WINAPI HeapReAlloc(HANDLE hHeap, DWORD dwFlags, LPVOID lpMem, SIZE_T dwBytes) {
    if (!hHeap || !lpMem) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    struct block* old = (struct block*)lpMem - 1;
    size_t old_size = old->size;
    if (dwFlags & HEAP_REALLOC_IN_PLACE_ONLY) {
        if (dwBytes > old_size) return out_of_memory(); /* a move would be needed */
        old->size = dwBytes;
        return lpMem;
    }
    if (dwBytes > (SIZE_T)-1 - sizeof(struct block)) return out_of_memory();
    unlink_block(old);
    struct block* b = realloc(old, sizeof *b + dwBytes);
    if (!b) {
        link_block(hHeap, old); /* the old block stays valid, as documented */
        return out_of_memory();
    }
    if ((dwFlags & HEAP_ZERO_MEMORY) && dwBytes > old_size) memset((char*)(b + 1) + old_size, 0, dwBytes - old_size);
    b->size = dwBytes;
    link_block(hHeap, b);
    return b + 1;
}

BOOL WINAPI HeapFree(HANDLE hHeap, DWORD dwFlags, LPVOID lpMem) {
    (void)dwFlags;
    if (!lpMem) return TRUE; /* undefined in the documentation; TRUE is what Windows does */
    if (!hHeap) {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    struct block* b = (struct block*)lpMem - 1;
    unlink_block(b);
    free(b);
    return TRUE;
}

SIZE_T WINAPI HeapSize(HANDLE hHeap, DWORD dwFlags, LPCVOID lpMem) {
    (void)dwFlags;
    if (!hHeap || !lpMem) return (SIZE_T)-1; /* documented failure value; no last error */
    return ((const struct block*)lpMem - 1)->size;
}
