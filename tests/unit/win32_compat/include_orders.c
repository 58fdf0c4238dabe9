/* Both include orders of <windows.h> and <httpext.h> compile, in C, with
   the project's warnings: the shared types are defined once (httpext.h),
   whichever comes first. */
#include <httpext.h>
#include <windows.h>

int isapi_win32_order_httpext_first(void);
int isapi_win32_order_httpext_first(void) { return (int)sizeof(DWORD) + (int)sizeof(CRITICAL_SECTION) * 0; }
