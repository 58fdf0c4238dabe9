/* The layer's waitable objects (internal): threads, events, semaphores,
   mutexes, behind one lock and one condition variable. */
#ifndef ISAPI_WIN32_HANDLES_H
#define ISAPI_WIN32_HANDLES_H

#include <windows.h>

/* Called by the layer's destructor after DllMain(DLL_PROCESS_DETACH). */
void isapi_win32_handles_unload(void);

#endif
