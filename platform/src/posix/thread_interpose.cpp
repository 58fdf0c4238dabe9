// Linked into the host executable only (isapi::thread_interpose), which
// exports this one definition (thread_interpose.list): every pthread_create
// in the process, an extension's included, comes here first, so the thread
// inventory can tell the threads extension code starts from the host's own.
#include <isapi/platform/thread_inventory.hpp>

#include <pthread.h>

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*),
                              void* arg) noexcept {
    return isapi::platform::create_thread(thread, attr, start, arg, __builtin_return_address(0));
}
